// Renewals (billing rules §5, "Renewals are usable from their first second"): a renewed period's
// included seconds are granted by whichever of its events comes first — the subscription's period
// move (customer.subscription.updated) or its draft renewal invoice (invoice.created); Stripe does
// not order them — marked awaiting payment in the same transaction, and confirmed by that invoice's
// invoice.paid. If Stripe gives up on the invoice (the subscription is cancelled or unpaid after its
// retries), what is left of the grant expires at once; what was used stays on the unpaid invoice,
// named for an operator.
import type { PoolClient } from 'pg';
import type { Stripe } from './client';
import type { ProcessDeps } from './inbox';
import type { PlanCode } from '../db/entities/types';
import { withTransaction } from '../db/transaction';
import { SYSTEM_ACTOR, writeAudit } from '../domain/audit/audit';
import { vpExpireUnpaidRenewal, vpGrantPlan, type GrantAnswer } from '../db/ledger';
import { answered } from '../domain/ledger/publish';
import { toGrantOutcome, type GrantOutcome } from '../domain/ledger/grant-credits';
import { ErrorCode, type Result, type UserError } from '../shared/errors';
import { PermanentWebhookError } from './inbox';

export interface PeriodGrantInput {
  userId: string;
  subscriptionId: string;
  planCode: PlanCode;
  periodStart: Date;
  periodEnd: Date;
  /** true: granted ahead of its invoice's payment; false: the invoice is paid (confirms a grant made ahead). */
  awaitingPayment: boolean;
}

/** The ledger's PLAN key of a (subscription, period start): the grant's business identity. */
export const planKey = (subscriptionId: string, periodStart: Date) => `~plan:${subscriptionId}:${periodStart.getTime()}`;

/**
 * The period's PLAN grant (once per subscription and period start: the ledger's unique key) and its
 * payment mark, in one transaction: awaiting only if not confirmed yet, confirmed whatever came
 * first — so either order of the period's opening and its invoice.paid ends confirmed, and no grant
 * is ever committed without its mark. Like every ledger call it waits for the user's row at most
 * limits.usageLockWaitMsMax; past that the event fails and is retried.
 */
export async function grantPeriod(deps: Pick<ProcessDeps, 'em' | 'clock' | 'events'>, input: PeriodGrantInput): Promise<Result<GrantOutcome>> {
  const answer = await withTransaction(deps.em, async (tx, conn: PoolClient): Promise<Result<GrantAnswer>> => {
    const granted = await vpGrantPlan.attempt(conn, {
      userId: input.userId, subscriptionId: input.subscriptionId, periodStart: input.periodStart, periodEnd: input.periodEnd,
      planCode: input.planCode, now: deps.clock.now(),
    });
    if (!granted.ok) return granted;
    await tx.query(
      `update credit_grants set awaiting_payment = $1
        where source = 'PLAN' and idempotency_key = $2 and ${input.awaitingPayment ? 'awaiting_payment is null' : 'awaiting_payment is not false'}`,
      [input.awaitingPayment, planKey(input.subscriptionId, input.periodStart)]);
    return granted;
  });
  if (!answer.ok) return answer;
  const published = answered(deps, answer.value);
  return published.ok ? { ok: true, value: toGrantOutcome(published.value) } : published;
}

/**
 * A paid grant the ledger refused. BALANCE_LIMIT_EXCEEDED cannot be fixed by retrying (the customer
 * paid for more than the largest balance leaves room for): the event fails at once, with an error
 * line for an operator, who refunds the payment or makes room and retries the event. Anything else
 * is thrown for the usual retries.
 */
export function paidGrantRefused(deps: ProcessDeps, what: string, object: string, userId: string, error: UserError): Error {
  const message = `${what} failed: ${error.code}`;
  if (error.code !== ErrorCode.BALANCE_LIMIT_EXCEEDED) return new Error(message);
  deps.logger.error({ userId, stripeObject: object, code: error.code, ...error.details },
    `${what} refused: it would pass the largest balance; nothing granted, the event is failed without retries (refund the payment or adjust the balance, then retry the event)`);
  return new PermanentWebhookError(`${message} (${object}: would pass the largest balance; an operator must refund or make room)`);
}

const subscriptionOf = (invoice: Stripe.Invoice): string | null => {
  const subscription = invoice.parent?.subscription_details?.subscription;
  return (typeof subscription === 'string' ? subscription : subscription?.id) ?? null;
};
const priceOf = (line: Stripe.InvoiceLineItem | undefined): string | undefined =>
  (line?.pricing?.price_details?.price as string | undefined) ?? undefined;
const planOfPrice = (deps: Pick<ProcessDeps, 'prices'>, priceId: string | undefined): PlanCode | null =>
  (Object.entries(deps.prices).find(([, id]) => id === priceId)?.[0] as PlanCode | undefined) ?? null;

/**
 * invoice.created of a renewal (billing reason subscription_cycle) that may come before the
 * subscription's period move: the new period (the plan line's period) is granted from it, awaiting
 * payment — if the membership follows this subscription and is ACTIVE or TRIALING (a PAST_DUE one
 * gets no new PLAN grant) and the period has not ended. Keyed like every PLAN grant, so the period
 * move and the invoice.paid that follow grant nothing more.
 */
export async function grantRenewalFromDraft(deps: ProcessDeps, invoice: Stripe.Invoice): Promise<void> {
  if (invoice.billing_reason !== 'subscription_cycle' || invoice.status !== 'draft') return;
  const subscriptionId = subscriptionOf(invoice);
  const line = invoice.lines.data.find((l) => planOfPrice(deps, priceOf(l)) !== null);
  const plan = planOfPrice(deps, priceOf(line));
  if (!subscriptionId || !line || !plan) return;
  const [ms] = await deps.em.getConnection().execute<{ user_id: string; status: string }[]>(
    'select user_id, status from memberships where stripe_subscription_id = ?', [subscriptionId]);
  if (!ms || (ms.status !== 'ACTIVE' && ms.status !== 'TRIALING')) return;
  const periodStart = new Date(line.period.start * 1000);
  const periodEnd = new Date(line.period.end * 1000);
  if (periodEnd.getTime() <= (deps.clock.now() ?? new Date()).getTime()) return; // a late draft of a period long gone
  const r = await grantPeriod(deps, { userId: ms.user_id, subscriptionId, planCode: plan, periodStart, periodEnd, awaitingPayment: true });
  if (!r.ok) throw paidGrantRefused(deps, 'renewal grant from the draft invoice', invoice.id!, ms.user_id, r.error);
}

/** Stripe's statuses of a subscription it gave up on (after a renewal's failed retries). */
const GIVEN_UP = new Set(['canceled', 'unpaid']);

/**
 * The subscription is cancelled or unpaid (customer.subscription.updated / .deleted): every PLAN
 * grant of it still awaiting payment loses what is left of it (one EXPIRY entry each, keyed by the
 * grant), with an audit entry and a warning naming the user, subscription, unpaid invoice and the
 * seconds used unpaid. A grant whose invoice turns out paid at Stripe is confirmed instead.
 */
export async function expireUnpaidRenewals(deps: ProcessDeps, sub: Stripe.Subscription): Promise<void> {
  if (!GIVEN_UP.has(sub.status)) return;
  const grants = await deps.em.getConnection().execute<{ id: string; user_id: string; idempotency_key: string }[]>(
    `select id, user_id, idempotency_key from credit_grants
      where source = 'PLAN' and awaiting_payment and expired_at is null and idempotency_key like ?`,
    [`~plan:${sub.id.replace(/[\\%_]/g, (c) => `\\${c}`)}:%`]);
  if (grants.length === 0) return;
  const invoices = await deps.stripe.invoices.list({ subscription: sub.id, limit: 100 });
  for (const g of grants) {
    const periodStartMs = Number(g.idempotency_key.slice(g.idempotency_key.lastIndexOf(':') + 1));
    const invoice = invoices.data.find((i) => i.billing_reason === 'subscription_cycle'
      && i.lines.data.some((l) => planOfPrice(deps, priceOf(l)) !== null && l.period.start * 1000 === periodStartMs));
    if (invoice?.status === 'paid') {
      // paid after all (its invoice.paid is on its way): confirmed, nothing expires
      await deps.em.getConnection().execute(`update credit_grants set awaiting_payment = false where id = ? and awaiting_payment`, [g.id]);
      continue;
    }
    // still a draft (an immediate cancellation within the renewal's first hour): Stripe has not
    // tried to collect it, so it has not given up on it — the period's close settles the grant
    if (invoice?.status === 'draft') continue;
    const invoiceId = invoice?.id ?? null;
    const answer = await withTransaction(deps.em, async (tx, conn) => {
      const r = await vpExpireUnpaidRenewal.query(conn, { grantId: g.id, subscriptionId: sub.id, invoiceId, now: deps.clock.now() });
      if (r.confirmed) return { r, audited: false };
      const audited = await writeAudit(tx, {
        actor: SYSTEM_ACTOR, action: 'RENEWAL_UNPAID_EXPIRED', targetUserId: g.user_id, subjectId: sub.id,
        dedupeKey: `unpaid-renewal:${g.id}`,
        before: { balanceSeconds: Number(r.balance.balanceSeconds) + Number(r.expiredSeconds) },
        after: {
          balanceSeconds: Number(r.balance.balanceSeconds), grantId: g.id, invoice: invoiceId, subscriptionStatus: sub.status,
          expiredSeconds: Number(r.expiredSeconds), usedSecondsUnpaid: Number(r.usedSeconds),
        },
      });
      return { r, audited };
    });
    answered(deps, answer.r);
    if (answer.audited) {
      deps.logger.warn({
        userId: g.user_id, subscription: sub.id, subscriptionStatus: sub.status, invoice: invoiceId,
        usedSecondsUnpaid: Number(answer.r.usedSeconds), expiredSeconds: Number(answer.r.expiredSeconds),
      }, 'Stripe gave up on an unpaid renewal: its remaining seconds expired; the seconds used stay on the unpaid invoice (collect or write off)');
    }
  }
}
