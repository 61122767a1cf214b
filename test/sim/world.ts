// The running system for a simulation: a fresh database, Redis keys of its own (QUEUE_PREFIX), the
// fake Stripe on the simulated clock, and the service as an API and a worker process started from
// the built code with CLOCK=shared. Advancing the clock waits for every process to acknowledge
// the new time; `quiesce` waits until what is due at that time has been done.
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client, Pool } from 'pg';
import { startFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import { signToken } from '../../src/auth/token-cli';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { sharedClockKeys } from '../../src/shared/shared-clock';
import { startProcess, type ServiceProcess } from '../support/processes';
import { stripeEnv } from '../support/stripe';

const PG_BASE = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PROCESSES = 2;

/** A stored event that may still change: not one that failed for good (FAILED with no retry due). */
const AWAITING_PROGRESS = `not (status = 'FAILED' and next_retry_at is null)`;

export interface World {
  fake: FakeStripe;
  pg: Pool;
  redis: Redis;
  prefix: string;
  now(): number;
  advance(toMs: number): Promise<void>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  gql<T = any>(
    query: string,
    variables: Record<string, unknown>,
    token?: string,
  ): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>;
  adminToken: string;
  tokenFor(userId: string): Promise<string>;
  /** Waits until stored webhooks are processed (or `timeoutMs` passes); answers whether they were. */
  inboxDrained(timeoutMs?: number): Promise<boolean>;
  /** Waits until the user's erasure completed; answers whether it did. */
  erased(userId: string, timeoutMs?: number): Promise<boolean>;
  /** Waits until nothing due at the current time is left undone (holds, grants, periods, final invoices, webhooks). */
  quiesce(timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startWorld(startMs: number, opts: { logLevel?: string } = {}): Promise<World> {
  const tag = randomBytes(4).toString('hex');
  const prefix = `vp-sim-${tag}`;
  const dbName = `vp_sim_${tag}`;
  const databaseUrl = `${PG_BASE}/${dbName}`;
  let simNow = startMs;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
  const keys = sharedClockKeys(prefix);
  await redis.set(keys.time, String(simNow));
  const secret = `whsec_sim_${tag}`;
  const fake = await startFakeStripe({ webhookSecret: secret, now: () => simNow });
  fake.autoDeliver = false;
  const env = {
    ...stripeEnv(fake, secret),
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    CLOCK: 'shared',
    SWEEP_INTERVAL_MS: '100',
    RECONCILE_INTERVAL_MS: String(7 * 24 * 3_600_000),
    LEDGER_VERIFY_INTERVAL_MS: String(30 * 24 * 3_600_000),
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: opts.logLevel ?? 'info',
    DATABASE_POOL_MAX: '6',
    SHUTDOWN_DELAY_MS: '0',
  };
  // the API first: it creates and migrates the database; the worker then finds it ready
  const api: ServiceProcess = await startProcess('api', env, 60_000);
  const worker: ServiceProcess = await startProcess('worker', env, 60_000);
  const url = `http://127.0.0.1:${api.port}/graphql`;
  fake.webhookUrl = `http://127.0.0.1:${api.port}/webhooks/stripe`;
  const pg = new Pool({ connectionString: databaseUrl, max: 4 });

  const gql: World['gql'] = async (query, variables, token) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as never;
  };
  // an ADMIN token creates the first users, among them the admin the simulator acts as
  const bootstrap = await signToken(DEV_JWT_SECRET, '00000000-0000-4000-8000-000000000001', 'ADMIN', 86_400);
  const created = await gql<{ createUser: { user: { id: string } | null; userErrors: { code: string }[] } }>(
    'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }',
    { i: { email: `sim-admin-${tag}@example.com`, role: 'ADMIN' } },
    bootstrap,
  );
  const adminId = created.data?.createUser.user?.id;
  if (!adminId) throw new Error(`could not create the simulation's admin: ${JSON.stringify(created)}`);
  const adminToken = await signToken(DEV_JWT_SECRET, adminId, 'ADMIN', 86_400);

  const count = async (sql: string, params: unknown[] = []) => Number((await pg.query<{ n: string }>(sql, params)).rows[0]!.n);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const inboxDrained = async (timeoutMs = 10_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      // FAILED ones await a retry: not settled either; one that failed for good (no retry left) will
      // not change by waiting — the month's check reports it as a mismatch
      const n = await count(`select count(*) as n from webhook_events where status not in ('PROCESSED', 'IGNORED') and ${AWAITING_PROGRESS}`);
      if (n === 0) return true;
      if (Date.now() > until) return false;
      await sleep(15);
    }
  };
  const dueChecks: [string, string][] = [
    ['webhooks not processed', `select count(*) as n from webhook_events where status not in ('PROCESSED', 'IGNORED') and ${AWAITING_PROGRESS}`],
    ['holds ACTIVE past their TTL', `select count(*) as n from reservations where status = 'ACTIVE' and expires_at <= $1`],
    ['grants with seconds left past their expiry', `select count(*) as n from credit_grants where remaining_seconds > 0 and expires_at <= $1`],
    ['periods OPEN past their end', `select count(*) as n from usage_periods where status = 'OPEN' and period_end <= $1`],
  ];
  const world: World = {
    fake,
    pg,
    redis,
    prefix,
    adminToken,
    gql,
    now: () => simNow,
    async advance(toMs) {
      if (toMs < simNow) throw new Error('the simulated clock only moves forwards');
      simNow = toMs;
      await redis.set(keys.time, String(toMs));
      await redis.publish(keys.channel, String(toMs));
      const until = Date.now() + 10_000;
      for (;;) {
        const acks = await redis.hgetall(keys.acks);
        const at = Object.values(acks).filter((v) => Number(v) === toMs).length;
        if (at >= PROCESSES) return;
        if (Date.now() > until)
          throw new Error(`only ${at} of ${PROCESSES} processes acknowledged the time ${new Date(toMs).toISOString()}: ${JSON.stringify(acks)}`);
        await sleep(2);
      }
    },
    async erased(userId, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const n = await count(`select count(*) as n from erasure_requests where user_id = $1 and status = 'COMPLETED'`, [userId]);
        if (n > 0) return true;
        if (Date.now() > until) return false;
        await sleep(25);
      }
    },
    tokenFor: (userId) => signToken(DEV_JWT_SECRET, userId, 'USER', 86_400),
    inboxDrained,
    async quiesce(timeoutMs = 8_000) {
      const until = Date.now() + timeoutMs;
      const at = new Date(simNow);
      let pending: string[] = [];
      for (;;) {
        pending = [];
        for (const [what, sql] of dueChecks) {
          const n = await count(sql, sql.includes('$1') ? [at] : []);
          if (n > 0) pending.push(`${n} ${what}`);
        }
        if (pending.length && Date.now() > until) {
          // name the stuck webhooks, so a run says which event and why
          const stuck = await pg.query<{ id: string; type: string; status: string; attempts: number; last_error: string | null }>(
            `select id, type, status, attempts, last_error from webhook_events where status not in ('PROCESSED', 'IGNORED') order by received_at limit 3`,
          );
          for (const e of stuck.rows) pending.push(`${e.type} ${e.id} ${e.status} after ${e.attempts} attempts: ${e.last_error ?? '-'}`);
        }
        if (!pending.length || Date.now() > until) return pending;
        await sleep(20);
      }
    },
    async stop() {
      await Promise.all([api.stop(), worker.stop()]);
      await pg.end();
      await fake.close();
      const stale = await redis.keys(`${prefix}*`);
      for (let i = 0; i < stale.length; i += 500) await redis.del(...stale.slice(i, i + 500));
      await redis.quit();
      const admin = new Client({ connectionString: `${PG_BASE}/postgres` });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
      await admin.end();
    },
  };
  return world;
}
