// The WebhookJobs port on BullMQ: what operators see of the Stripe event queue.
import type { Queue } from 'bullmq';
import type { WebhookJobs } from '../domain/ports';
import type { Orm } from '../db/orm';
import { webhookJobId, webhookJobOptions, type WebhookJob } from './jobs';

export function bullWebhookJobs(queue: Queue<WebhookJob>, orm: Orm): WebhookJobs {
  return {
    async failed(limit) {
      const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
      return jobs.map((j) => ({
        id: String(j.id), eventId: j.data?.eventId ?? null, failedReason: j.failedReason ?? '', attemptsMade: j.attemptsMade,
        failedAt: j.finishedOn ? new Date(j.finishedOn) : null,
      }));
    },
    async retry(eventId) {
      await orm.em.fork().getConnection().execute(
        `update webhook_events set status = 'RECEIVED' where id = ? and status in ('FAILED', 'PROCESSING')`, [eventId]);
      const old = await queue.getJob(webhookJobId(eventId));
      if (old && ((await old.isCompleted()) || (await old.isFailed()))) await old.remove();
      await queue.add('process-stripe-event', { eventId }, { ...webhookJobOptions, jobId: webhookJobId(eventId) });
    },
  };
}
