// API_PROCESSES (src/app/cluster.ts): one `api` process supervises that many service processes on
// the one HTTP port; a process that dies is replaced; SIGTERM stops them all and the supervisor
// exits 0. What they serve is one service: usage sent through the port lands once in the ledger.
import { randomUUID } from 'node:crypto';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

let db: TestDb;
let api: ServiceProcess | null = null;

beforeAll(async () => {
  db = await createTestDb(2);
});
afterAll(async () => {
  await api?.stop();
  await db?.close();
});

/** Pids of the service processes that said they listen. */
const listening = (logs: string[]) =>
  new Set(
    logs.flatMap((l) => {
      try {
        const e = JSON.parse(l) as { msg?: string; pid?: number };
        return e.msg === 'http server listening' && e.pid ? [e.pid] : [];
      } catch {
        return [];
      }
    }),
  );

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('API_PROCESSES', () => {
  it('serves one port from two processes, replaces one that dies, and stops them all on SIGTERM', async () => {
    api = await startProcess('api', { DATABASE_URL: db.url, DATABASE_POOL_MAX: '3', API_PROCESSES: '2' });
    const first = await until('both processes listening', () => (listening(api!.logs).size === 2 ? [...listening(api!.logs)] : undefined));
    expect(first).not.toContain(api.child.pid);

    const service = await signToken(DEV_JWT_SECRET, randomUUID(), 'SERVICE', 600);
    const admin = await signToken(DEV_JWT_SECRET, randomUUID(), 'ADMIN', 600);
    const gql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
      // a new connection each time, so the cluster hands requests to both processes
      const res = await fetch(`http://127.0.0.1:${api!.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, connection: 'close' },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: any; errors?: unknown[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const created = await gql(admin, 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } } }', {
      i: { email: `c-${randomUUID()}@example.com` },
    });
    const userId = created.data.createUser.user.id as string;
    await gql(admin, 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }', {
      i: { userId, seconds: 10_000, source: 'BONUS', idempotencyKey: 'seed' },
    });
    const record = (key: string) =>
      gql(service, 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }', { i: { userId, seconds: 10, idempotencyKey: key } });
    for (let i = 0; i < 10; i++) expect((await record(`k${i}`)).errors).toBeUndefined();

    // one dies: another takes its place, and the port keeps answering
    process.kill(first[0]!, 'SIGKILL');
    const replaced = await until('a new process listening', () => {
      const now = [...listening(api!.logs)].filter((p) => !first.includes(p));
      return now.length > 0 ? now : undefined;
    });
    for (let i = 10; i < 20; i++) expect((await record(`k${i}`)).errors).toBeUndefined();
    // replays through either process answer without recording again
    for (let i = 0; i < 20; i++) expect((await record(`k${i}`)).errors).toBeUndefined();
    const [row] = await db.em().getConnection().execute<{ n: string }[]>('select count(*) as n from usage_records where user_id = ?', [userId]);
    expect(Number(row!.n)).toBe(20);

    expect(await api.stop()).toBe(0);
    for (const pid of [first[1]!, ...replaced]) expect(alive(pid)).toBe(false);
    api = null;
  });
});
