// The stuck-event sweep and failed events: one that failed for good (retrying cannot fix it, or
// out of attempts) is never enqueued again; one whose retry is due and whose BullMQ job is gone
// (Redis lost its data) is enqueued with the attempts it has left; one whose retry job still exists
// is left to it.
import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { loadConfig } from '../../src/config/env';
import { noEvents, type Payments } from '../../src/domain/ports';
import { createLogger } from '../../src/observability/logger';
import { JOB_HANDLERS, retryDelayMs, type JobContext } from '../../src/queues/job-handlers';
import { QUEUE_NAMES, webhookJobId, webhookJobOptions, type QueueName } from '../../src/queues/jobs';
import type { Stripe } from '../../src/stripe/client';
import { storeEvent } from '../../src/stripe/inbox';
import { createTestDb, type TestDb } from '../support/test-db';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vp-retry-sweep-${randomUUID().slice(0, 8)}`;
let db: TestDb;
let queues: Record<QueueName, Queue>;
let ctx: JobContext;

beforeAll(async () => {
  db = await createTestDb(4);
  queues = {} as Record<QueueName, Queue>;
  for (const name of QUEUE_NAMES) queues[name] = new Queue(name, { connection: { url: REDIS_URL } as never, prefix });
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    STRIPE_SECRET_KEY: 'sk_test_x',
    STRIPE_WEBHOOK_SECRET: 'whsec_x',
    STRIPE_PRICE_STARTER: 'price_starter',
    STRIPE_PRICE_BUSINESS: 'price_business',
    STRIPE_PRICE_ENTERPRISE: 'price_enterprise',
  });
  ctx = {
    config,
    orm: db.orm,
    events: noEvents,
    logger: createLogger('silent'),
    queues,
    // no handler here reaches Stripe: the events below fail before any call
    stripe: {} as Stripe,
    payments: {} as Payments,
  };
});

afterAll(async () => {
  for (const q of Object.values(queues ?? {})) {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
  await db?.close();
});

/** An invoice.paid of a new subscription: for a price of no plan (permanent), or of a customer not linked yet (retryable). */
async function storedInvoicePaid(price: string): Promise<string> {
  const id = `evt_${randomUUID().replace(/-/g, '')}`;
  await storeEvent(db.em(), {
    id,
    type: 'invoice.paid',
    created: Math.floor(Date.now() / 1000),
    object: 'event',
    data: {
      object: {
        id: `in_${randomUUID().slice(0, 8)}`,
        object: 'invoice',
        status: 'paid',
        billing_reason: 'subscription_create',
        customer: `cus_${randomUUID().slice(0, 8)}`,
        parent: { subscription_details: { subscription: `sub_${randomUUID().slice(0, 8)}` } },
        lines: { data: [{ id: 'il_1', pricing: { price_details: { price } } }] },
      },
    },
  } as never);
  // stored a while ago, as a sweep would find it
  await sql(`update webhook_events set received_at = now() - interval '5 minutes' where id = ?`, [id]);
  return id;
}

async function sql<T = Record<string, unknown>>(q: string, params: unknown[] = []): Promise<T[]> {
  return db.em().getConnection().execute<T[]>(q, params);
}

async function row(id: string): Promise<{ status: string; attempts: number; retry_due: boolean | null; retry_pending: boolean | null }> {
  const [r] = await sql<{ status: string; attempts: number; retry_due: boolean | null; retry_pending: boolean | null }>(
    `select status, attempts, next_retry_at <= now() as retry_due, next_retry_at > now() as retry_pending from webhook_events where id = ?`,
    [id],
  );
  return r!;
}

/** The job handler as a worker runs it, on attempt `attemptsMade + 1` of the job's own. */
async function processAttempt(eventId: string, attemptsMade: number): Promise<unknown> {
  const job = { data: { eventId }, attemptsMade, opts: webhookJobOptions, id: webhookJobId(eventId), name: 'process-stripe-event' } as unknown as Job;
  return JOB_HANDLERS['process-stripe-event'](job, ctx).then(
    () => null,
    (err: unknown) => err,
  );
}

const sweep = () => JOB_HANDLERS['enqueue-stuck-events']({} as Job, ctx) as Promise<{ enqueued: number }>;

describe('the stuck-event sweep and failed events', () => {
  it('never enqueues again an event that failed because retrying cannot fix it, even with its job gone', async () => {
    const id = await storedInvoicePaid('price_of_no_plan');
    expect(await processAttempt(id, 0)).toBeInstanceOf(UnrecoverableError);
    expect(await row(id)).toMatchObject({ status: 'FAILED', attempts: 1, retry_due: null, retry_pending: null });
    // no BullMQ job holds it (Redis lost its data): still nothing enqueued
    expect(await queues['stripe-webhooks'].getJob(webhookJobId(id))).toBeUndefined();
    await sweep();
    expect(await queues['stripe-webhooks'].getJob(webhookJobId(id))).toBeUndefined();
    expect((await row(id)).status).toBe('FAILED');
  });

  it('never enqueues again an event that failed its last attempt', async () => {
    const id = await storedInvoicePaid('price_starter');
    await sql('update webhook_events set attempts = 7 where id = ?', [id]);
    const err = await processAttempt(id, webhookJobOptions.attempts - 1);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(await row(id)).toMatchObject({ status: 'FAILED', attempts: 8, retry_due: null });
    await sweep();
    expect(await queues['stripe-webhooks'].getJob(webhookJobId(id))).toBeUndefined();
  });

  it('enqueues an event whose retry is due and whose job is gone, with the attempts it has left, and not before it is due', async () => {
    const id = await storedInvoicePaid('price_starter'); // its customer is linked by no event yet: retried
    await sql('update webhook_events set attempts = 2 where id = ?', [id]);
    expect(await processAttempt(id, 2)).toBeInstanceOf(Error);
    expect(await row(id)).toMatchObject({ status: 'FAILED', attempts: 3, retry_pending: true }); // due in 4 s, as BullMQ's backoff
    await sweep();
    expect(await queues['stripe-webhooks'].getJob(webhookJobId(id))).toBeUndefined();

    await sql(`update webhook_events set next_retry_at = now() - interval '1 second' where id = ?`, [id]);
    await sweep();
    const job = await queues['stripe-webhooks'].getJob(webhookJobId(id));
    expect(job?.data).toEqual({ eventId: id });
    expect(job?.opts.attempts).toBe(webhookJobOptions.attempts - 3);
  });

  it('leaves an event whose retry is due to its job while the job exists, and stops looking once the job has failed for good', async () => {
    const id = await storedInvoicePaid('price_starter');
    expect(await processAttempt(id, 0)).toBeInstanceOf(Error);
    await sql(`update webhook_events set next_retry_at = now() - interval '1 second' where id = ?`, [id]);
    const pending = await queues['stripe-webhooks'].add(
      'process-stripe-event',
      { eventId: id },
      { ...webhookJobOptions, jobId: webhookJobId(id), delay: 60_000 },
    );
    await sweep();
    expect(await (await queues['stripe-webhooks'].getJob(webhookJobId(id)))!.getState()).toBe('delayed');
    expect(await row(id)).toMatchObject({ status: 'FAILED', retry_due: true });
    expect(pending.id).toBe(webhookJobId(id));

    // the job ended failed (e.g. marked due before its last attempt's outcome was written)
    await pending.remove();
    const worker = new Worker(
      'stripe-webhooks',
      async () => {
        throw new Error('out of attempts');
      },
      { connection: { url: REDIS_URL, maxRetriesPerRequest: null } as never, prefix },
    );
    const ended = new Promise((resolve) =>
      worker.on('failed', (j) => {
        if (j?.id === webhookJobId(id)) resolve(j);
      }),
    );
    await queues['stripe-webhooks'].add('process-stripe-event', { eventId: id }, { ...webhookJobOptions, attempts: 1, jobId: webhookJobId(id) });
    await ended;
    await worker.close();
    await sweep();
    expect(await row(id)).toMatchObject({ status: 'FAILED', retry_due: null });
    expect(await (await queues['stripe-webhooks'].getJob(webhookJobId(id)))!.getState()).toBe('failed');
  });

  it('computes the retry delay as BullMQ backoff does, and none on the last attempt', () => {
    const opts = webhookJobOptions;
    expect([0, 1, 2, 6].map((attemptsMade) => retryDelayMs({ attemptsMade, opts }))).toEqual([1000, 2000, 4000, 64_000]);
    expect(retryDelayMs({ attemptsMade: opts.attempts - 1, opts })).toBeNull();
    expect(retryDelayMs({ attemptsMade: 0, opts: { attempts: 3, backoff: { type: 'fixed', delay: 500 } } })).toBe(500);
  });
});
