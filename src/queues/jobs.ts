// Queues, job types, payloads and ids in one place. Ids come from business identity (no ":", not
// all digits), so a job enqueued twice is one job.
import type { ConnectionOptions, Queue } from 'bullmq';
import type { RedisTls } from '../config/env';

export const Queues = {
  /** Stored Stripe events, one job per event id; and the sweep of events stored while Redis was away. */
  webhooks: 'stripe-webhooks',
  /** Money: period close and overage invoicing, reconciliation against Stripe. */
  billing: 'billing',
  /** Holds past their TTL and grants past their expiry. */
  holds: 'holds',
  /** Housekeeping that is neither money nor holds (ledger verification, personal data). */
  maintenance: 'maintenance',
} as const;
export type QueueName = (typeof Queues)[keyof typeof Queues];
export const QUEUE_NAMES = Object.values(Queues) as QueueName[];

/** Every job type and the queue it runs on. Boot refuses when one has no handler. */
export const JOB_TYPES = {
  'process-stripe-event': Queues.webhooks,
  'enqueue-stuck-events': Queues.webhooks,
  'expire-holds': Queues.holds,
  'close-periods': Queues.billing,
  'reconcile-stripe': Queues.billing,
  'erase-user': Queues.maintenance,
  'enqueue-pending-erasures': Queues.maintenance,
  'verify-ledgers': Queues.maintenance,
  'refresh-usage-rollups': Queues.maintenance,
} as const satisfies Record<string, QueueName>;
export type JobType = keyof typeof JOB_TYPES;

export interface WebhookJob {
  eventId: string;
}

export function webhookJobId(eventId: string): string {
  return `stripe-event-${eventId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export interface EraseUserJob {
  userId: string;
}

/** One erasure job per user: a second request for the same user is the same job. */
export function erasureJobId(userId: string): string {
  return `erase-user-${userId.toLowerCase().replace(/[^a-z0-9-]/g, '_')}`;
}

/** Stripe may be away for a while: retried with backoff; the sweep re-enqueues what is still pending. */
export const erasureJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 5000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/** Producers fail fast; workers wait for Redis forever (BullMQ requires maxRetriesPerRequest null). */
export function producerConnection(redisUrl: string, tls: RedisTls | null = null): ConnectionOptions {
  return { url: redisUrl, ...(tls ? { tls } : {}), maxRetriesPerRequest: 1, enableOfflineQueue: false } as ConnectionOptions;
}

export function workerConnection(redisUrl: string, tls: RedisTls | null = null): ConnectionOptions {
  return { url: redisUrl, ...(tls ? { tls } : {}), maxRetriesPerRequest: null } as ConnectionOptions;
}

export const webhookJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Enqueues a stored Stripe event again (the sweep, an operator's retry): nothing while its job is
 * still waiting or running; a finished job with its id, which would swallow the new one (ids
 * deduplicate), is cleared first. Answers whether it enqueued.
 */
export async function requeueStripeEvent(queue: Queue, eventId: string): Promise<boolean> {
  const existing = await queue.getJob(webhookJobId(eventId));
  if (existing && !(await existing.isCompleted()) && !(await existing.isFailed())) return false;
  if (existing) await existing.remove();
  await queue.add('process-stripe-event', { eventId }, { ...webhookJobOptions, jobId: webhookJobId(eventId) });
  return true;
}

/**
 * A periodic job runs once per tick on one worker, whichever takes it. It is not retried: the
 * next tick is the retry, and every pass is idempotent.
 */
export const scheduledJobOptions = {
  attempts: 1,
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 500 },
};
