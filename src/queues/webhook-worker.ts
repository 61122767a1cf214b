// The worker that processes stored Stripe events, and the sweep that enqueues events stored while
// Redis was away. Jobs are safe to run twice: processing claims the row and the ledger is keyed.
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import type { Config } from '../config/env';
import type { Orm } from '../db/orm';
import type { LedgerEvents } from '../domain/ports';
import type { Logger } from '../observability/logger';
import { databaseClock } from '../shared/clock';
import { eventsToEnqueue, PermanentWebhookError, processEvent } from '../stripe/inbox';
import { Queues, webhookJobId, webhookJobOptions, workerConnection, type WebhookJob } from './jobs';

export interface WebhookWorker {
  stop(): Promise<void>;
}

export function startWebhookWorker(config: Config, orm: Orm, events: LedgerEvents, queue: Queue<WebhookJob>, logger: Logger): WebhookWorker {
  const log = logger.child({ component: 'stripe-webhooks' });
  const prices = config.stripe!.prices;
  const worker = new Worker<WebhookJob>(Queues.webhooks, async (job) => {
    try {
      const outcome = await processEvent({ em: orm.em.fork(), clock: databaseClock, events, logger: log, prices, purchaseExpiryDays: config.purchaseExpiryDays }, job.data.eventId);
      return outcome;
    } catch (err) {
      if (err instanceof PermanentWebhookError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }, { connection: workerConnection(config.redisUrl), concurrency: 8, prefix: config.queuePrefix });
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'stripe event failed'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'webhook worker error'));

  const sweep = setInterval(async () => {
    try {
      for (const id of await eventsToEnqueue(orm.em.fork(), 30, 500)) {
        // a finished job with this id would swallow the new one (ids deduplicate): clear it first
        const done = await queue.getJob(webhookJobId(id));
        if (done && ((await done.isCompleted()) || (await done.isFailed()))) await done.remove();
        await queue.add('process', { eventId: id }, { ...webhookJobOptions, jobId: webhookJobId(id) });
      }
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'webhook sweep could not enqueue; next pass retries');
    }
  }, Math.max(1000, config.sweepIntervalMs));
  sweep.unref();

  return {
    async stop() {
      clearInterval(sweep);
      await worker.close();
    },
  };
}
