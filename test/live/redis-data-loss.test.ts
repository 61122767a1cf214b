// Redis losing its data (FLUSHALL, a failover to an empty replica) takes the BullMQ job schedulers
// and every job with it. Running processes recover by themselves, without a restart: the worker puts
// the schedulers back (every sweep interval, and at once when its Redis connection comes back) and
// says it is not ready meanwhile; the sweeps then expire holds, close periods and process the stored
// webhooks — those never processed and those whose retry job was lost.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { startFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import { webhookJobId, webhookJobOptions } from '../../src/queues/jobs';
import { databaseClock } from '../../src/shared/clock';
import { activeMembership, newUser, newUserWithBonus } from '../support/ledger-fixtures';
import { must, Q } from '../support/http-client';
import { startProcess, type ServiceProcess } from '../support/processes';
import { stripeEnv } from '../support/stripe';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

const SWEEP_MS = 2000;
/** Two sweep intervals, and slack for a machine shared with other test runs. */
const WITHIN_MS = 2 * SWEEP_MS + 10_000;
const SECRET = 'whsec_test_secret_redis_loss';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
let db: TestDb;
let fake: FakeStripe;
let api: ServiceProcess;
let worker: ServiceProcess;
let redis: Redis;
const prefix = `vp-redis-loss-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  db = await createTestDb(4);
  redis = new Redis(REDIS_URL);
  fake = await startFakeStripe({ webhookSecret: SECRET });
  const env = { DATABASE_URL: db.url, DATABASE_POOL_MAX: '4', SWEEP_INTERVAL_MS: String(SWEEP_MS), QUEUE_PREFIX: prefix, ...stripeEnv(fake, SECRET) };
  [api, worker] = await Promise.all([startProcess('api', env), startProcess('worker', env)]);
  fake.webhookUrl = `http://127.0.0.1:${api.port}/webhooks/stripe`;
}, 60_000);

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  redis?.disconnect();
  await fake?.close();
  await db?.close();
});

async function readyz(port = worker.port): Promise<{ status: number; body: { ready: boolean; checks?: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; checks?: Record<string, string> } };
}

/** What FLUSHALL does to this service: every key of its queues gone (other checkouts share this Redis). */
async function loseQueueData(of = prefix): Promise<number> {
  const keys = await redis.keys(`${of}:*`);
  if (keys.length > 0) await redis.del(...keys);
  return keys.length;
}

async function sql<T = Record<string, unknown>>(q: string, params: unknown[] = []): Promise<T[]> {
  return db.em().getConnection().execute<T[]>(q, params);
}

const token = (userId: string) => signToken(DEV_JWT_SECRET, userId, 'USER', 600);
/** Usage and holds come from the voice service (role SERVICE), for any user. */
const serviceToken = () => signToken(DEV_JWT_SECRET, randomUUID(), 'SERVICE', 600);

async function checkoutFor(userId: string): Promise<string> {
  const data = await must<{ createCheckoutSession: { sessionId: string } }>(api.port, await token(userId), Q.checkout, {
    i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' },
  });
  return data.createCheckoutSession.sessionId;
}

async function balanceSeconds(userId: string): Promise<number> {
  const [b] = await sql<{ balance_seconds: string }>('select balance_seconds from credit_balances where user_id = ?', [userId]);
  return Number(b?.balance_seconds ?? 0);
}

it('re-creates the job schedulers Redis lost without a restart, and reports not ready until then', async () => {
  await until('worker ready', async () => (await readyz()).status === 200);
  await loseQueueData();
  const gap = await readyz();
  expect(gap.status).toBe(503);
  expect(gap.body.checks?.schedulers).toMatch(/missing: .*expire-holds/);
  expect(gap.body.checks?.schedulers).toMatch(/close-periods/);
  expect(gap.body.checks?.schedulers).toMatch(/enqueue-stuck-events/);

  await until('ready again', async () => (await readyz()).status === 200, WITHIN_MS);
  expect((await readyz()).body.checks?.schedulers).toBe('ok');
  expect(worker.logs.some((l) => l.includes('job schedulers missing from Redis, re-created') && l.includes('expire-holds'))).toBe(true);
  expect(worker.child.exitCode).toBeNull();
}, 60_000);

it('under load, expires holds, closes periods and processes stored webhooks (also those whose retry job was lost) within two sweep intervals of a flush, with no restart', async () => {
  const pids = { api: api.child.pid, worker: worker.child.pid };
  await until('worker ready', async () => (await readyz()).status === 200);

  // load: recordUsage and reserveCredits for several users, all through the flush
  const loadUsers = await Promise.all([0, 1, 2, 3].map(() => newUserWithBonus(db.em(), databaseClock, 1_000_000)));
  const service = await serviceToken();
  let loading = true;
  let calls = 0;
  const failures: string[] = [];
  const load = Promise.all(
    loadUsers.map(async (userId) => {
      for (let n = 0; loading; n++) {
        try {
          await must(api.port, service, Q.record, { i: { userId, seconds: 1, idempotencyKey: `load-${n}` } });
          await must(api.port, service, Q.reserve, { i: { userId, seconds: 1, ttlSeconds: 60, idempotencyKey: `load-hold-${n}` } });
          calls += 2;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    }),
  );
  // readiness, watched through the whole test
  const seen: { status: number; schedulers?: string }[] = [];
  let watching = true;
  const watch = (async () => {
    while (watching) {
      const r = await readyz().catch(() => null);
      if (r) seen.push({ status: r.status, schedulers: r.body.checks?.schedulers });
      await new Promise((res) => setTimeout(res, 100));
    }
  })();

  try {
    // before the flush: a hold of 2 s on a user nobody else touches (a call of its own would settle it)
    const holder = await newUserWithBonus(db.em(), databaseClock, 600);
    const hold = await must<{ reserveCredits: { reservation: { id: string } } }>(api.port, service, Q.reserve, {
      i: { userId: holder, seconds: 60, ttlSeconds: 2, idempotencyKey: 'short' },
    });
    const holdId = hold.reserveCredits.reservation.id;
    // a period that ends 3 s from now
    const member = await newUser(db.em());
    await activeMembership(db.em(), member, new Date(Date.now() - 30 * 86_400_000), new Date(Date.now() + 3000));
    // a subscription whose invoice.paid failed with attempts left: its BullMQ retry (due in 3 s) is what the flush loses
    const retried = await newUser(db.em());
    fake.autoDeliver = false;
    const retriedEvents = await fake.completeCheckout(await checkoutFor(retried));
    fake.autoDeliver = true;
    fake.outbox.length = 0;
    for (const e of retriedEvents.slice(0, 2)) expect(await fake.deliver(e)).toBe(200);
    const paid = retriedEvents[2]!;
    await until('the first two events of that checkout processed', async () => {
      const rows = await sql<{ n: string }>(`select count(*) as n from webhook_events where id in (?, ?) and status = 'PROCESSED'`, [
        retriedEvents[0]!.id,
        retriedEvents[1]!.id,
      ]);
      return Number(rows[0]!.n) === 2;
    });
    await sql(
      `insert into webhook_events (id, type, payload, stripe_created_at, status, attempts, last_error, next_retry_at)
               values (?, ?, ?::jsonb, to_timestamp(?), 'FAILED', 1, 'Stripe was away', now() + interval '3 seconds')`,
      [paid.id, paid.type, JSON.stringify(paid), paid.created],
    );
    const webhooks = new Queue('stripe-webhooks', { connection: { url: REDIS_URL } as never, prefix });
    await webhooks.add('process-stripe-event', { eventId: paid.id }, { ...webhookJobOptions, jobId: webhookJobId(paid.id as string), delay: 3000 });
    await webhooks.close();
    // the checkouts whose webhooks come while the queue data is gone
    const buyers = await Promise.all([0, 1, 2, 3].map(() => newUser(db.em())));
    const sessions = await Promise.all(buyers.map(checkoutFor));
    await until('some load', () => calls >= 20);

    expect(await loseQueueData()).toBeGreaterThan(0);
    const flushedAt = Date.now();
    expect((await readyz()).status).toBe(503);
    // twelve webhooks stored during the gap
    const stored = (await Promise.all(sessions.map((s) => fake.completeCheckout(s)))).flat();
    expect(stored).toHaveLength(12);

    const [{ expires_at: holdExpiresAt }] = (await sql<{ expires_at: Date }>('select expires_at from reservations where id = ?', [holdId])) as [
      { expires_at: Date },
    ];
    await until(
      'the hold expired',
      async () => {
        const [r] = await sql<{ status: string }>('select status from reservations where id = ?', [holdId]);
        return r!.status === 'EXPIRED';
      },
      Math.max(0, new Date(holdExpiresAt).getTime() - Date.now()) + WITHIN_MS,
    );
    expect(await balanceSeconds(holder)).toBe(600);

    await until(
      'the due period closed',
      async () => {
        const [p] = await sql<{ status: string }>('select status from usage_periods where user_id = ?', [member]);
        return p!.status === 'CLOSED';
      },
      Math.max(0, flushedAt + 3000 - Date.now()) + WITHIN_MS,
    );

    await until(
      'the webhooks stored during the gap processed',
      async () => {
        const rows = await sql<{ n: string }>(`select count(*) as n from webhook_events where id = any(?) and status = 'PROCESSED'`, [
          `{${stored.map((e) => e.id as string).join(',')}}`,
        ]);
        return Number(rows[0]!.n) === 12;
      },
      Math.max(0, flushedAt - Date.now()) + WITHIN_MS,
    );
    for (const b of buyers) expect(await balanceSeconds(b)).toBe(12_000);

    await until(
      'the event whose retry job was lost processed',
      async () => {
        const [r] = await sql<{ status: string }>('select status from webhook_events where id = ?', [paid.id]);
        return r!.status === 'PROCESSED';
      },
      Math.max(0, flushedAt + 3000 - Date.now()) + WITHIN_MS,
    );
    expect(await balanceSeconds(retried)).toBe(12_000);
    expect(worker.logs.some((l) => l.includes('failed stripe event whose retry job was lost enqueued by the sweep') && l.includes(paid.id as string))).toBe(
      true,
    );

    await until('ready again', async () => (await readyz()).status === 200, WITHIN_MS);
  } finally {
    loading = false;
    watching = false;
    await Promise.all([load, watch]);
  }
  // readiness said so during the gap, and is ready after
  expect(seen.some((s) => s.status === 503 && /^missing: /.test(s.schedulers ?? ''))).toBe(true);
  expect(seen.at(-1)).toEqual({ status: 200, schedulers: 'ok' });
  // the load ran through the flush without an error, on the same processes
  expect(failures).toEqual([]);
  expect(calls).toBeGreaterThan(20);
  expect({ api: api.child.pid, worker: worker.child.pid }).toEqual(pids);
  expect(api.child.exitCode).toBeNull();
  expect(worker.child.exitCode).toBeNull();
}, 120_000);

describe('a failover to an empty Redis', () => {
  let proxy: TcpProxy;
  let behind: ServiceProcess;
  const ownPrefix = `vp-redis-failover-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    // a sweep interval far longer than the test: only the reconnect can be what repairs
    behind = await startProcess('worker', {
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: '2',
      SWEEP_INTERVAL_MS: '600000',
      QUEUE_PREFIX: ownPrefix,
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    });
  }, 60_000);
  afterAll(async () => {
    await proxy?.restore();
    await behind?.stop();
    await proxy?.close();
    await loseQueueData(ownPrefix).catch(() => undefined);
  });

  it('re-creates the schedulers as soon as the worker is connected again, not a sweep interval later', async () => {
    await until('worker ready', async () => (await readyz(behind.port)).status === 200);
    await proxy.cut();
    expect(await loseQueueData(ownPrefix)).toBeGreaterThan(0);
    await proxy.restore();
    await until(
      'schedulers re-created on reconnect',
      () => behind.logs.some((l) => l.includes('job schedulers missing from Redis, re-created') && l.includes('redis reconnected')),
      30_000,
    );
    await until('ready again', async () => (await readyz(behind.port)).status === 200, 10_000);
    expect((await readyz(behind.port)).body.checks?.schedulers).toBe('ok');
    expect(behind.child.exitCode).toBeNull();
  }, 60_000);
});
