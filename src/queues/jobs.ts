// The job registry: queues, job types, payloads, ids and options in one place, and the one
// `enqueue`. Ids come from business identity (no ":", not all digits), so a job enqueued twice is
// one job.
import type { ConnectionOptions, JobsOptions, Queue } from 'bullmq';
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

/** A periodic job's payload: nothing (it sweeps whatever is due). */
export type ScheduledJob = Record<string, never>;

type EveryJobType<T extends Record<JobType, object>> = T;
/** Every job type's payload. */
export type JobPayloads = EveryJobType<{
  'process-stripe-event': WebhookJob;
  'enqueue-stuck-events': ScheduledJob;
  'expire-holds': ScheduledJob;
  'close-periods': ScheduledJob;
  'reconcile-stripe': ScheduledJob;
  'erase-user': EraseUserJob;
  'enqueue-pending-erasures': ScheduledJob;
  'verify-ledgers': ScheduledJob;
  'refresh-usage-rollups': ScheduledJob;
}>;

/** A job by name and payload: the discriminated union of every job type. */
export type JobRequest = { [N in JobType]: { name: N; data: JobPayloads[N] } }[JobType];

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

/** The options of the job types code enqueues (the others are made by their schedulers, scheduledJobOptions). */
const ENQUEUED_OPTIONS = {
  'process-stripe-event': webhookJobOptions,
  'erase-user': erasureJobOptions,
} satisfies { [N in JobType]?: JobsOptions };

export type EnqueuedJob = Extract<JobRequest, { name: keyof typeof ENQUEUED_OPTIONS }>;

/** A job's id, from its business identity. */
export function jobIdOf(job: EnqueuedJob): string {
  const id = job.name === 'process-stripe-event' ? webhookJobId(job.data.eventId) : erasureJobId(job.data.userId);
  // BullMQ reserves ":" (its key separator) and all-digit ids (its own counter)
  if (id.includes(':') || /^\d+$/.test(id)) throw new Error(`job id ${id} of ${job.name} has a ":" or only digits`);
  return id;
}

/**
 * Enqueues a job on its queue, with its id and options. `again`: a job with its id that is still
 * waiting or running is left alone (answers false), a finished one — which would swallow the new
 * one, ids deduplicate — is cleared first; otherwise a job with its id already there is the same
 * job. `attempts` overrides the job type's (a retry with the attempts it has left). Answers
 * whether it added.
 */
export async function enqueue(queues: Record<QueueName, Queue>, job: EnqueuedJob, how: { again?: boolean; attempts?: number } = {}): Promise<boolean> {
  const queue = queues[JOB_TYPES[job.name]];
  const jobId = jobIdOf(job);
  if (how.again) {
    const existing = await queue.getJob(jobId);
    if (existing && !(await existing.isCompleted()) && !(await existing.isFailed())) return false;
    if (existing) await existing.remove();
  }
  const options = ENQUEUED_OPTIONS[job.name];
  await queue.add(job.name, job.data, { ...options, ...(how.attempts === undefined ? {} : { attempts: how.attempts }), jobId });
  return true;
}

/**
 * Enqueues a stored Stripe event again (the sweep, an operator's retry): nothing while its job is
 * still waiting or running; a finished job with its id is cleared first. Answers whether it enqueued.
 */
export function requeueStripeEvent(queues: Record<QueueName, Queue>, eventId: string): Promise<boolean> {
  return enqueue(queues, { name: 'process-stripe-event', data: { eventId } }, { again: true });
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
