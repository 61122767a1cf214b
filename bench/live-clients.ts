// bench:live helper process: one WebSocket client per user. Mode "graphql" subscribes to
// balanceChanged through graphql-ws on the API; mode "bare" connects to the bare fan-out server.
// Reports every update's commit-to-client latency and the versions seen, over IPC.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

interface Start {
  mode: 'graphql' | 'bare';
  url: string;
  users: { id: string; token: string }[];
}

const latencies: number[] = [];
const versions = new Map<string, number[]>();
let outOfOrder = 0;
const closers: (() => void)[] = [];

function seen(userId: string, version: number, updatedAt: string): void {
  latencies.push(Date.now() - new Date(updatedAt).getTime());
  const list = versions.get(userId) ?? [];
  if (list.length && version <= list[list.length - 1]!) outOfOrder += 1;
  list.push(version);
  versions.set(userId, list);
}

async function connectGraphql(url: string, user: { id: string; token: string }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${user.token}` },
      on: { connected: () => resolve(), error: reject },
      onNonLazyError: reject,
    });
    client.subscribe(
      { query: 'subscription { balanceChanged { userId version updatedAt } }' },
      {
        next: (m) => {
          const b = (m.data as { balanceChanged: { userId: string; version: number; updatedAt: string } } | undefined)?.balanceChanged;
          if (b) seen(b.userId, b.version, b.updatedAt);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    closers.push(() => void client.dispose());
  });
}

async function connectBare(url: string, user: { id: string }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(`${url}?user=${user.id}`);
    ws.on('open', () => resolve());
    ws.on('error', reject);
    ws.on('message', (data) => {
      const b = JSON.parse(String(data)) as { userId: string; version: number; updatedAt: string };
      seen(b.userId, b.version, b.updatedAt);
    });
    closers.push(() => ws.close());
  });
}

process.on('message', async (msg: { type: string } & Partial<Start>) => {
  if (msg.type === 'start') {
    const { mode, url, users } = msg as Start;
    for (let i = 0; i < users.length; i += 50) {
      await Promise.all(users.slice(i, i + 50).map((u) => (mode === 'graphql' ? connectGraphql(url, u) : connectBare(url, u))));
    }
    process.send!({ type: 'connected' });
  } else if (msg.type === 'reset') {
    latencies.length = 0; // the warm-up is over: measure from here
  } else if (msg.type === 'report') {
    process.send!({ type: 'report', latencies, outOfOrder, versions: Object.fromEntries(versions) });
  } else if (msg.type === 'stop') {
    for (const c of closers) c();
    setTimeout(() => process.exit(0), 200);
  }
});
