// Redis losing its data (FLUSHALL, a failover to an empty replica) takes the BullMQ job schedulers
// with it; a running worker puts them back by itself and says it is not ready meanwhile.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

const SWEEP_MS = 3000;
let db: TestDb;
let worker: ServiceProcess;
let redis: Redis;
const prefix = `vp-redis-loss-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  db = await createTestDb(4);
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  worker = await startProcess('worker', { DATABASE_URL: db.url, DATABASE_POOL_MAX: '4', SWEEP_INTERVAL_MS: String(SWEEP_MS), QUEUE_PREFIX: prefix });
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  redis?.disconnect();
  await db?.close();
});

async function readyz(): Promise<{ status: number; body: { ready: boolean; checks?: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${worker.port}/readyz`);
  return { status: res.status, body: await res.json() as { ready: boolean; checks?: Record<string, string> } };
}

/** What FLUSHALL does to this service: every key of its queues gone (other checkouts share this Redis). */
async function loseQueueData(): Promise<void> {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}

it('re-creates the job schedulers Redis lost without a restart, and reports not ready until then', async () => {
  await until('worker ready', async () => (await readyz()).status === 200);
  await loseQueueData();
  const gap = await readyz();
  expect(gap.status).toBe(503);
  expect(gap.body.checks?.schedulers).toMatch(/missing: .*expire-holds/);
  expect(gap.body.checks?.schedulers).toMatch(/close-periods/);

  await until('ready again', async () => (await readyz()).status === 200, 2 * SWEEP_MS + 10_000);
  expect((await readyz()).body.checks?.schedulers).toBe('ok');
  expect(worker.logs.some((l) => l.includes('job schedulers missing from Redis, re-created') && l.includes('expire-holds'))).toBe(true);
  expect(worker.child.exitCode).toBeNull();
}, 60_000);
