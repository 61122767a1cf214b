// Rate limiting: RATE_LIMIT_PER_MINUTE requests per key in fixed windows of a minute, decided in
// memory and shared by every API process (per installation: QUEUE_PREFIX) through Redis, without a
// Redis round trip per request. Keys are a principal (`jwt:<user>`, `apiKey:<user>`) after
// authentication, and an address (`ip:<ip>`) for what no principal answers for: requests without a
// credential and failed authentications. The address is checked BEFORE authentication, so a flood
// of bad API keys is refused without a database lookup each.
//
// How the processes agree: each process counts a key's requests locally and adds them to the key's
// counter in Redis (INCRBY, pipelined for all keys) every SYNC_MS, reading back the total of all
// processes. A process admits a request while (total as last read + its own not yet added) is under
// the limit, and never holds more than `chunk` = max(1, ⌊limit / 100⌋) requests of a key unsynced:
// the next one waits for the sync. So a key's requests admitted in a window, over N processes, are
// at most limit + N × chunk (1 % per process over the limit) — the stated tolerance, tested in
// test/api/rate-limit.test.ts. With one process the limit is exact up to chunk.
//
// If Redis is unreachable every process limits on its own, in memory, with the same limit, and a
// warning is logged: a Redis outage must not stop the voice engine from recording calls, nor lift
// the limits. What was counted meanwhile is added when Redis is back.
import type Redis from 'ioredis';
import type { Logger } from '../observability/logger';
import { rateLimited } from '../graphql/errors';

const WINDOW_MS = 60_000;
/** How often a process adds its counts to Redis and reads the others' (for keys used since the last sync). */
export const SYNC_MS = 100;
/** A key used here within WATCH_MS is read from Redis at least every WATCH_READ_MS, even when not used meanwhile. */
const WATCH_MS = 10_000;
const WATCH_READ_MS = 1_000;
/** Keys remembered per process at most (the oldest go first). */
const KEYS_MAX = 100_000;

export interface RateLimiter {
  /** Counts one request of `key`; RATE_LIMITED (429, Retry-After) past the limit. */
  (key: string): Promise<void>;
  /** RATE_LIMITED if `key` has spent its window, counting nothing (before authentication). */
  check(key: string): Promise<void>;
  /** Counts one request of `key` that is answered anyway (a failed authentication: 401), refusing nothing. */
  count(key: string): Promise<void>;
  /** Adds what is counted to Redis now (tests, shutdown). */
  sync(): Promise<void>;
  stop(): void;
}

interface Entry {
  window: number;
  /** The key's count over all processes, as Redis last answered (including ours added by then). */
  total: number;
  /** Counted here, not yet sent. */
  pending: number;
  /** Sent, no answer yet. */
  sending: number;
  /** Used since the last sync (so the next one reads it). */
  touched: boolean;
  /** When last used here, and when last read from Redis (a key used lately is read again now and then). */
  usedAt: number;
  readAt: number;
}

/** Allowed by the tolerance: requests of one key a process admits before it hears the others' counts. */
export const chunkOf = (perMinute: number) => Math.max(1, Math.floor(perMinute / 100));

export function createRateLimiter(redis: Redis, perMinute: number, logger: Logger, prefix: string): RateLimiter {
  const chunk = chunkOf(perMinute);
  const entries = new Map<string, Entry>();
  let syncing: Promise<void> | null = null;
  let again: Promise<void> | null = null;
  let warnedAt = 0;

  const windowOf = (now: number) => Math.floor(now / WINDOW_MS);
  const redisKey = (key: string, window: number) => `${prefix}:rl:${window}:${key}`;
  const online = () => redis.status === 'ready';
  const warnIfOffline = () => {
    const now = Date.now();
    if (!online() && now - warnedAt > 10_000) {
      warnedAt = now;
      logger.warn({ redis: redis.status }, 'rate limiter cannot reach Redis; limiting per process in memory');
    }
  };
  const entry = (key: string): Entry => {
    const window = windowOf(Date.now());
    let e = entries.get(key);
    if (!e || e.window !== window) {
      if (e) entries.delete(key);
      else if (entries.size >= KEYS_MAX) entries.delete(entries.keys().next().value!);
      e = { window, total: 0, pending: 0, sending: 0, touched: true, usedAt: 0, readAt: 0 };
      entries.set(key, e);
    }
    e.touched = true;
    e.usedAt = Date.now();
    return e;
  };
  const refuse = (): never => {
    throw rateLimited(Math.max(1, Math.ceil((WINDOW_MS - (Date.now() % WINDOW_MS)) / 1000)));
  };
  const spent = (e: Entry) => e.total + e.pending + e.sending >= perMinute;

  /** One pipeline: every touched key of the current window adds what it counted and reads the total. */
  const syncOnce = async (): Promise<void> => {
    if (!online()) return;
    const window = windowOf(Date.now());
    const batch: { e: Entry; n: number }[] = [];
    const pipeline = redis.pipeline();
    for (const [key, e] of entries) {
      if (e.window !== window) {
        if (e.pending === 0 && e.sending === 0) entries.delete(key);
        continue;
      }
      // what others counted reaches this process for keys used here lately, at least every WATCH_READ_MS
      const now = Date.now();
      if (!e.touched && e.pending === 0 && !(now - e.usedAt < WATCH_MS && now - e.readAt >= WATCH_READ_MS)) continue;
      e.touched = false;
      e.readAt = now;
      const n = e.pending;
      e.pending = 0;
      e.sending += n;
      batch.push({ e, n });
      const k = redisKey(key, e.window);
      pipeline.incrby(k, n);
      pipeline.pexpire(k, 2 * WINDOW_MS);
    }
    if (batch.length === 0) return;
    let results: [Error | null, unknown][] | null = null;
    try {
      results = await pipeline.exec();
    } catch {
      results = null;
    }
    batch.forEach(({ e, n }, i) => {
      e.sending -= n;
      const [err, total] = results?.[2 * i] ?? [new Error('no answer'), null];
      // not added (Redis went away): counted here again, added on a later sync
      if (err || typeof total !== 'number') e.pending += n;
      else e.total = Math.max(e.total, total);
    });
  };
  /** One sync at a time; a call while one runs gets the next one, which sees all counted until it starts. */
  const sync = (): Promise<void> => {
    if (!syncing) {
      syncing = syncOnce().finally(() => {
        syncing = null;
      });
      return syncing;
    }
    again ??= syncing.then(() => {
      again = null;
      return sync();
    });
    return again;
  };
  /** A sync, waited for at most SYNC_MS (a Redis that hangs must not hold requests). */
  const waitForSync = () =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, SYNC_MS);
      t.unref();
      sync().then(
        () => (clearTimeout(t), resolve()),
        () => (clearTimeout(t), resolve()),
      );
    });
  const timer = setInterval(() => void sync().catch(() => undefined), SYNC_MS);
  timer.unref();

  const consume = async (key: string): Promise<void> => {
    warnIfOffline();
    let e = entry(key);
    // at most `chunk` requests of a key unsynced here: the next one waits for the sync
    for (let i = 0; online() && e.pending + e.sending >= chunk && i < 3; i++) {
      await waitForSync();
      e = entry(key);
    }
    if (spent(e)) refuse();
    e.pending += 1;
    if (e.pending >= chunk) void sync().catch(() => undefined);
  };
  return Object.assign(consume, {
    async check(key: string) {
      warnIfOffline();
      if (spent(entry(key))) refuse();
    },
    async count(key: string) {
      warnIfOffline();
      const e = entry(key);
      e.pending += 1;
      if (e.pending >= chunk) void sync().catch(() => undefined);
    },
    sync,
    stop() {
      clearInterval(timer);
    },
  });
}
