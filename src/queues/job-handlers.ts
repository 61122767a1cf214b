// What each job type does. Every handler is safe to run twice and after a crash midway: ledger
// writes are keyed and settle under the user's lock, Stripe calls carry idempotency keys.
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import { limits } from '../config/limits';
import type { Config } from '../config/env';
import type { Orm } from '../db/orm';
import { refreshUsageRollups } from '../domain/analytics/refresh-usage-rollups';
import { billFinalPeriods, finalPeriodsDue } from '../domain/billing/bill-final-periods';
import { closeDuePeriods } from '../domain/ledger/close-period';
import { expireDue } from '../domain/ledger/expire-due';
import type { LedgerEvents, Payments } from '../domain/ports';
import type { Logger } from '../observability/logger';
import { databaseClock, type Clock } from '../shared/clock';
import { reconcileAllLedgers } from '../domain/ledger/reconcile-ledgers';
import { setLedgerDriftUsers } from '../observability/metrics';
import type { Stripe } from '../stripe/client';
import { clearRetryDue, eventsToEnqueue, failedEventsAwaitingRetry, PermanentWebhookError, processEvent } from '../stripe/inbox';
import { reconcileStripe } from '../stripe/reconcile';
import { eraseUser } from '../domain/gdpr/erase-user';
import { pendingErasures } from '../domain/gdpr/request-account-deletion';
import {
  enqueue,
  erasureJobId,
  JOB_TYPES,
  requeueStripeEvent,
  type EraseUserJob,
  type JobType,
  type QueueName,
  type WebhookJob,
  webhookJobId,
  webhookJobOptions,
} from './jobs';

export interface JobContext {
  config: Config;
  orm: Orm;
  events: LedgerEvents;
  logger: Logger;
  stripe: Stripe | null;
  payments: Payments | null;
  queues: Record<QueueName, Queue>;
  /** Business time: the database's (the default, and always in production), or a simulator's shared clock. */
  clock?: Clock;
}

export type JobHandler = (job: Job, ctx: JobContext) => Promise<unknown>;

/** An event stored this long ago and still RECEIVED is enqueued again by the sweep. */
const STUCK_AFTER_SECONDS = 10;
/** An erasure requested this long ago and still PENDING is enqueued again by the sweep. */
const PENDING_ERASURE_AFTER_SECONDS = 60;
const ERASURE_RETRY_AFTER_FAILURE_MS = 3_600_000;

/**
 * When BullMQ retries this job should its current attempt fail (its backoff), or null when this is
 * its last attempt.
 */
export function retryDelayMs(job: Pick<Job, 'attemptsMade' | 'opts'>): number | null {
  const attempts = job.opts.attempts ?? 1;
  if (job.attemptsMade + 1 >= attempts) return null;
  const backoff = job.opts.backoff;
  if (backoff === undefined) return 0;
  if (typeof backoff === 'number') return backoff;
  const delay = backoff.delay ?? 0;
  return backoff.type === 'exponential' ? Math.round(2 ** job.attemptsMade * delay) : delay;
}

function needStripe(ctx: JobContext): { stripe: Stripe; payments: Payments } {
  if (!ctx.stripe || !ctx.payments) throw new UnrecoverableError('STRIPE_NOT_CONFIGURED: this worker has no Stripe configuration');
  return { stripe: ctx.stripe, payments: ctx.payments };
}

export const JOB_HANDLERS: Record<JobType, JobHandler> = {
  'process-stripe-event': async (job, ctx) => {
    const { stripe } = needStripe(ctx);
    try {
      return await processEvent(
        {
          em: ctx.orm.em.fork(),
          clock: ctx.clock ?? databaseClock,
          events: ctx.events,
          logger: ctx.logger,
          prices: ctx.config.stripe!.prices,
          purchaseExpiryDays: ctx.config.purchaseExpiryDays,
          stripe,
        },
        (job.data as WebhookJob).eventId,
        { retryInMs: retryDelayMs(job) },
      );
    } catch (err) {
      // retrying cannot fix it (e.g. a price of no plan): fail at once, for an operator
      if (err instanceof PermanentWebhookError) throw new UnrecoverableError(err.message);
      throw err;
    }
  },

  'enqueue-stuck-events': async (_job, ctx) => {
    const queue = ctx.queues['stripe-webhooks'];
    const ids = await eventsToEnqueue(ctx.orm.em.fork(), STUCK_AFTER_SECONDS, 500);
    let enqueued = 0;
    for (const id of ids) {
      if (!(await requeueStripeEvent(ctx.queues, id))) continue; // still on its way
      ctx.logger.info({ eventId: id }, 'stripe event enqueued by the sweep');
      enqueued += 1;
    }
    // failed ones whose retry is due and whose BullMQ job is gone (Redis lost its data), with the
    // attempts they have left; the inbox's keyed claim keeps an event from being processed twice
    for (const { id, attempts } of await failedEventsAwaitingRetry(ctx.orm.em.fork(), 500)) {
      const existing = await queue.getJob(webhookJobId(id));
      if (existing) {
        // finished failed: no retry is coming (e.g. marked before its last attempt's outcome was)
        if (await existing.isFailed()) await clearRetryDue(ctx.orm.em.fork(), id);
        continue; // otherwise its retry is still on its way
      }
      await enqueue(ctx.queues, { name: 'process-stripe-event', data: { eventId: id } }, { attempts: Math.max(1, webhookJobOptions.attempts - attempts) });
      ctx.logger.info({ eventId: id, attempts }, 'failed stripe event whose retry job was lost enqueued by the sweep');
      enqueued += 1;
    }
    return { enqueued };
  },

  'expire-holds': async (_job, ctx) => {
    const deps = { em: ctx.orm.em.fork(), clock: ctx.clock ?? databaseClock, events: ctx.events };
    const settled = await expireDue(deps, limits.sweepBatchMax, (userId, err) => ctx.logger.error({ userId, err }, 'settling a user failed'));
    if (settled.length) ctx.logger.info({ settledUsers: settled.length }, 'expired holds and grants settled');
    return { settledUsers: settled.length };
  },

  'close-periods': async (_job, ctx) => {
    const deps = { em: ctx.orm.em.fork(), clock: ctx.clock ?? databaseClock, events: ctx.events };
    const closed = await closeDuePeriods(deps, limits.sweepBatchMax, (periodId, err) => ctx.logger.error({ periodId, err }, 'closing a period failed'));
    let billed = 0;
    if (ctx.payments) {
      // the final periods of cancelled memberships, and invoice lines that failed before (with backoff)
      const due = await finalPeriodsDue(
        deps.em,
        closed.filter((c) => c.overageCents > 0).map((c) => c.periodId),
        limits.overageInvoiceAttemptsMax,
      );
      if (due.length) billed = (await billFinalPeriods({ em: deps.em, payments: ctx.payments }, due)).billed;
    }
    if (closed.length || billed) ctx.logger.info({ closedPeriods: closed.length, finalInvoices: billed }, 'periods closed');
    return { closedPeriods: closed.length, finalInvoices: billed };
  },

  // billing rules §10: the erasure of one account, resumable (each step records itself)
  'erase-user': async (job, ctx) => {
    const { userId } = job.data as EraseUserJob;
    const r = await eraseUser({ em: ctx.orm.em.fork(), payments: ctx.payments, clock: ctx.clock ?? databaseClock }, { userId });
    // no request, a malformed id, or Stripe data without Stripe configured: retrying cannot help
    if (!r.ok) throw new UnrecoverableError(`${r.error.code}: erasure of ${userId} cannot proceed`);
    if (!r.value.alreadyCompleted) ctx.logger.info({ ...r.value }, 'account erased');
    if (r.value.unpaidInvoices.length || r.value.overageNotInvoiced.length) {
      ctx.logger.warn(
        {
          userId,
          invoices: r.value.unpaidInvoices,
          declinedFinalOverage: r.value.overageInvoicesDeclined,
          overageLinesNotInvoiced: r.value.overageNotInvoiced,
        },
        'the erasure deleted a Stripe customer with unpaid invoices or overage never invoiced: Stripe no longer collects them, collect, bill or void them by hand',
      );
    }
    return r.value;
  },

  // every user's books: invariants and hash chain (billing rules §6); drift is reported — an audit
  // entry per finding, a log line, the gauge — never repaired
  'verify-ledgers': async (_job, ctx) => {
    const out = await reconcileAllLedgers({ em: ctx.orm.em.fork(), logger: ctx.logger });
    const users = new Set(out.drift.map((d) => d.userId)).size;
    setLedgerDriftUsers(users);
    const summary = { usersChecked: out.usersChecked, driftUsers: users, errors: out.errors.length };
    if (users || out.errors.length) ctx.logger.error(summary, 'ledger verification found drift or could not check some users');
    else ctx.logger.info(summary, 'ledger verification: every ledger verifies');
    return summary;
  },

  'enqueue-pending-erasures': async (_job, ctx) => {
    const queue = ctx.queues.maintenance;
    let enqueued = 0;
    for (const userId of await pendingErasures(ctx.orm.em.fork(), PENDING_ERASURE_AFTER_SECONDS, 100)) {
      const existing = await queue.getJob(erasureJobId(userId));
      if (existing && !(await existing.isCompleted()) && !(await existing.isFailed())) continue; // still on its way
      // one that failed all its attempts (or cannot proceed) is tried again an hour later, not every pass
      if (existing && (await existing.isFailed()) && Date.now() - (existing.finishedOn ?? 0) < ERASURE_RETRY_AFTER_FAILURE_MS) continue;
      // a finished job with this id would swallow the new one: cleared first
      if (await enqueue(ctx.queues, { name: 'erase-user', data: { userId } }, { again: true })) enqueued += 1;
    }
    if (enqueued) ctx.logger.info({ enqueued }, 'pending erasures enqueued by the sweep');
    return { enqueued };
  },

  'reconcile-stripe': async (_job, ctx) => {
    const { stripe } = needStripe(ctx);
    const report = await reconcileStripe(
      {
        em: ctx.orm.em.fork(),
        clock: ctx.clock ?? databaseClock,
        events: ctx.events,
        logger: ctx.logger,
        prices: ctx.config.stripe!.prices,
        purchaseExpiryDays: ctx.config.purchaseExpiryDays,
        stripe,
      },
      limits.reconcileBatchMax,
    );
    return report;
  },

  // analytics: fold new usage records into the usage rollups (queries also catch up, bounded)
  'refresh-usage-rollups': async (_job, ctx) => {
    const r = await refreshUsageRollups({ em: ctx.orm.em.fork() }, { passesMax: limits.usageRollupJobPassesMax });
    if (r.consumed) ctx.logger.info({ usageRecords: r.consumed, more: r.more }, 'usage rollups refreshed');
    return r;
  },
};

/** Boot refuses when a job type has no handler (or a handler no job type). */
export function assertJobsComplete(handlers: Record<string, JobHandler> = JOB_HANDLERS): void {
  const missing = Object.keys(JOB_TYPES).filter((t) => !handlers[t]);
  const unknown = Object.keys(handlers).filter((t) => !(t in JOB_TYPES));
  if (missing.length || unknown.length) {
    throw new Error(`job types without a handler: [${missing.join(', ')}]; handlers without a job type: [${unknown.join(', ')}]`);
  }
}
