// Job names, payloads and ids in one place. Ids come from business identity (no ":", not all
// digits), so a job enqueued twice is one job.
import type { ConnectionOptions } from 'bullmq';

export const Queues = { webhooks: 'stripe-webhooks' } as const;

export interface WebhookJob {
  eventId: string;
}

export function webhookJobId(eventId: string): string {
  return `stripe-event-${eventId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Producers fail fast; workers wait for Redis forever (BullMQ requires maxRetriesPerRequest null). */
export function producerConnection(redisUrl: string): ConnectionOptions {
  return { url: redisUrl, maxRetriesPerRequest: 1, enableOfflineQueue: false } as ConnectionOptions;
}

export function workerConnection(redisUrl: string): ConnectionOptions {
  return { url: redisUrl, maxRetriesPerRequest: null } as ConnectionOptions;
}

export const webhookJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
