// What the in-process caches of the request path must forget, told by Postgres itself: triggers
// (src/db/sql/util/vp_notify_changes.sql) send `NOTIFY vp_changes` with a payload when an API key
// is revoked or changed, a user's role or erasure changes, a membership's status or plan changes,
// or the plan catalogue changes — in the writing transaction, so every listening process hears it
// right after the commit (milliseconds), whichever process or tool wrote it.
//
// One dedicated connection per process LISTENs (not a pooled one: LISTEN is session state). While
// it is not listening (starting, lost, reconnecting), `live` is false and the caches must not answer
// (they read the database per request again); when it listens again every cache is flushed, since
// anything may have changed meanwhile. `generation` grows with every message and flush, so a lookup
// that was running while one arrived does not cache what it read before it.
import { Client } from 'pg';
import type { DatabaseTls } from '../config/env';
import type { Logger } from '../observability/logger';
import { pgSsl, withoutTlsParams } from './orm';

export const CHANGES_CHANNEL = 'vp_changes';

/** A change as the triggers name it: `key:<secret_hash>`, `user:<id>`, `plans`; `all` = forget everything. */
export type Change = { kind: 'key'; id: string } | { kind: 'user'; id: string } | { kind: 'plans' } | { kind: 'all' };

export interface Changes {
  /** True while the listener hears every change: only then may a cache answer. */
  readonly live: boolean;
  /** Grows with every change heard and every flush. */
  readonly generation: number;
  on(fn: (c: Change) => void): void;
  stop(): Promise<void>;
}

export function parseChange(payload: string | undefined): Change {
  const [kind, id] = (payload ?? '').split(':', 2);
  if ((kind === 'key' || kind === 'user') && id) return { kind, id: id.toLowerCase() };
  if (kind === 'plans') return { kind };
  return { kind: 'all' };
}

const RETRY_MS_MAX = 2000;

/** Listens on its own connection, reconnecting with a growing pause (at most 2 s) after a loss. */
export function listenForChanges(opts: { databaseUrl: string; tls?: DatabaseTls; logger: Logger }): Changes {
  const listeners: ((c: Change) => void)[] = [];
  let live = false;
  let generation = 0;
  let stopped = false;
  let client: Client | null = null;
  let retryMs = 100;
  let timer: NodeJS.Timeout | null = null;

  const tell = (c: Change) => {
    generation += 1;
    for (const fn of listeners) {
      try {
        fn(c);
      } catch (err) {
        opts.logger.error({ err }, 'a cache failed to take a change');
      }
    }
  };
  const lost = (err?: unknown) => {
    if (client === null) return;
    const was = client;
    client = null;
    if (live) opts.logger.warn({ err: (err as Error | undefined)?.message }, 'change listener lost its connection; caches off until it listens again');
    live = false;
    tell({ kind: 'all' });
    was.removeAllListeners();
    was.on('error', () => undefined);
    void was.end().catch(() => undefined);
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(connect, retryMs);
    timer.unref();
    retryMs = Math.min(RETRY_MS_MAX, retryMs * 2);
  };
  const connect = async () => {
    timer = null;
    if (stopped) return;
    const c = new Client({ connectionString: withoutTlsParams(opts.databaseUrl), ssl: pgSsl(opts.tls), keepAlive: true });
    client = c;
    c.on('error', lost);
    c.on('end', () => lost(new Error('connection ended')));
    c.on('notification', (m) => {
      if (m.channel === CHANGES_CHANNEL) tell(parseChange(m.payload));
    });
    try {
      await c.connect();
      await c.query(`listen ${CHANGES_CHANNEL}`);
      if (client !== c) return;
      // what changed while nobody listened is unknown: forget everything, then answer from caches again
      tell({ kind: 'all' });
      live = true;
      retryMs = 100;
    } catch (err) {
      lost(err);
    }
  };
  void connect();

  return {
    get live() {
      return live;
    },
    get generation() {
      return generation;
    },
    on(fn) {
      listeners.push(fn);
    },
    async stop() {
      stopped = true;
      live = false;
      if (timer) clearTimeout(timer);
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners();
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}

/** For processes and tests without a listener: nothing is ever cached. */
export const NO_CHANGES: Changes = { live: false, generation: 0, on: () => undefined, stop: async () => undefined };
