// The worker that processes stored Stripe events, and the sweep that enqueues events stored while
// Redis was away. Jobs are safe to run twice: processing claims the row and the ledger is keyed.
import { Queue, Worker, UnrecoverableError } from 'bullmq';
import type { Config } from '../config/env';
import type { Orm } from '../db/orm';
import type { LedgerEvents } from '../domain/ports';
import type { Logger } from '../observability/logger';
import { databaseClock } from '../shared/clock';
import { eventsToEnqueue, PermanentWebhookError, processEvent } from '../stripe/inbox';
import type { Stripe } from '../stripe/client';
import { Queues, webhookJobId, webhookJobOptions, workerConnection, type WebhookJob } from './jobs';

/** An event stored this long ago and still RECEIVED is enqueued again by the sweep. */
const STUCK_AFTER_SECONDS = 10;

export interface WebhookWorker {
  stop(): Promise<void>;
}

export function startWebhookWorker(
  config: Config, orm: Orm, events: LedgerEvents, queue: Queue<WebhookJob>, stripe: Stripe, logger: Logger,
): WebhookWorker {
  const log = logger.child({ component: 'stripe-webhooks' });
  const prices = config.stripe!.prices;
  const worker = new Worker<WebhookJob>(Queues.webhooks, async (job) => {
    try {
      const outcome = await processEvent({ em: orm.em.fork(), clock: databaseClock, events, logger: log, prices, purchaseExpiryDays: config.purchaseExpiryDays, stripe }, job.data.eventId);
      return outcome;
    } catch (err) {
      if (err instanceof PermanentWebhookError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }, { connection: workerConnection(config.redisUrl), concurrency: config.webhookConcurrency, prefix: config.queuePrefix,
    // a job whose worker died is taken up again once its lock lapses
    lockDuration: config.webhookJobLockMs, stalledInterval: Math.max(500, Math.floor(config.webhookJobLockMs / 2)) });
  worker.on('failed', (job, err) => log.warn({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'stripe event failed'));
  worker.on('error', (err) => log.warn({ err: err.message }, 'webhook worker error'));

  const sweep = setInterval(async () => {
    try {
      for (const id of await eventsToEnqueue(orm.em.fork(), STUCK_AFTER_SECONDS, 500)) {
        const job = await queue.getJob(webhookJobId(id));
        if (job && !(await job.isCompleted()) && !(await job.isFailed())) continue; // still on its way
        // a finished job with this id would swallow the new one (ids deduplicate): clear it first
        if (job) await job.remove();
        await queue.add('process', { eventId: id }, { ...webhookJobOptions, jobId: webhookJobId(id) });
        log.info({ eventId: id }, 'stripe event enqueued by the sweep');
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
