// The WebhookJobs port on BullMQ: what operators see of the job queues (failed jobs of every
// queue), and a retry of a stored Stripe event; and the EventJobs port (the webhook route's enqueue).
import type { Queue } from 'bullmq';
import type { EventJobs, WebhookJobs } from '../domain/ports';
import type { Orm } from '../db/orm';
import { enqueue, QUEUE_NAMES, requeueStripeEvent, type QueueName, type WebhookJob } from './jobs';

/** One job per stored event (its id is the event's): a second enqueue of the same event is the same job. */
export function bullEventJobs(queues: Record<QueueName, Queue>): EventJobs {
  return {
    async enqueue(eventId) {
      await enqueue(queues, { name: 'process-stripe-event', data: { eventId } });
    },
  };
}

export function bullWebhookJobs(queues: Record<QueueName, Queue>, orm: Orm): WebhookJobs {
  return {
    async failed(limit) {
      const all = await Promise.all(
        QUEUE_NAMES.map(async (name) =>
          (await queues[name].getFailed(0, Math.max(0, limit - 1))).map((j) => ({
            id: String(j.id),
            queue: name,
            type: j.name,
            eventId: (j.data as Partial<WebhookJob> | undefined)?.eventId ?? null,
            failedReason: j.failedReason ?? '',
            attemptsMade: j.attemptsMade,
            failedAt: j.finishedOn ? new Date(j.finishedOn) : null,
          })),
        ),
      );
      // the latest failures first, across queues
      return all
        .flat()
        .sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0))
        .slice(0, limit);
    },
    async retry(eventId) {
      await orm.em
        .fork()
        .getConnection()
        .execute(`update webhook_events set status = 'RECEIVED' where id = ? and status in ('FAILED', 'PROCESSING')`, [eventId]);
      await requeueStripeEvent(queues, eventId);
    },
  };
}
