// Credits are granted on a paid invoice only, keyed by (subscription, period start) in the ledger.
import type { PlanCode } from '../../db/entities/types';
import { grantPeriod } from '../ledger/grant-period';
import { grantUpgradeCredits } from '../ledger/grant-upgrade-credits';
import { userOfCustomer } from './customers';
import type { PaymentEventDeps } from './deps';
import { PermanentFailure } from './failures';
import { paidGrantRefused } from './paid-grant-refused';

/** An invoice line of a plan's price, with the period it bills. */
export interface PlanLine {
  planCode: PlanCode;
  periodStart: Date;
  periodEnd: Date;
}

/** An invoice as the provider says it is, in what a grant needs of it. */
export interface PaidInvoice {
  invoiceId: string;
  customerId: string | null;
  subscriptionId: string | null;
  /** false when the invoice says it is not paid (a draft, open, void…); true when paid or unsaid. */
  paid: boolean;
  /** PERIOD: a subscription's first or renewed period; PLAN_CHANGE: a proration; OTHER: anything else. */
  reason: 'PERIOD' | 'PLAN_CHANGE' | 'OTHER';
  /** The first line of a plan's price (the invoice may list other items, our overage, in any order). */
  planLine: PlanLine | null;
  /** Whether any line carries a price at all. */
  hasPricedLine: boolean;
  /** A proration's "remaining time on <new plan>" (the first positive plan line) and "unused time on <old plan>" (negative). */
  added: PlanLine | null;
  removed: PlanLine | null;
}

/**
 * What a paid invoice grants: a period's included seconds (a first or renewed period), or the
 * prorated difference of an upgrade (a plan change). Keyed in the ledger, so the webhook and the
 * reconciliation may both apply the same invoice. Answers whether the invoice grants anything.
 */
export async function applyPaidInvoice(deps: PaymentEventDeps, invoice: PaidInvoice): Promise<boolean> {
  if (!invoice.paid) return false;
  if (invoice.reason === 'PLAN_CHANGE') return applyUpgradeInvoice(deps, invoice);
  if (invoice.reason !== 'PERIOD') return false;
  const { subscriptionId, planLine: line } = invoice;
  const userId = await userOfCustomer(deps.em, invoice.customerId);
  if (!line && invoice.hasPricedLine) {
    throw new PermanentFailure(`invoice ${invoice.invoiceId} is for no price of a plan (STRIPE_PRICE_*)`);
  }
  // an unknown customer may be linked by an event still on its way: retry
  if (!userId || !subscriptionId || !line) throw new Error(`invoice ${invoice.invoiceId} cannot be matched to a user and subscription yet`);
  // a renewal granted when its period opened is confirmed now (and a grant made here never awaits)
  const r = await grantPeriod(deps, {
    userId,
    subscriptionId,
    planCode: line.planCode,
    periodStart: line.periodStart,
    periodEnd: line.periodEnd,
    awaitingPayment: false,
  });
  if (!r.ok) throw paidGrantRefused(deps, 'plan grant', invoice.invoiceId, userId, r.error);
  return true;
}

/**
 * A proration invoice: "unused time on <old plan>" (negative) and "remaining time on <new plan>"
 * (positive), both over [change, period end). An upgrade grants; a change to a smaller plan (made
 * elsewhere, e.g. the billing portal with proration) grants nothing.
 */
async function applyUpgradeInvoice(deps: PaymentEventDeps, invoice: PaidInvoice): Promise<boolean> {
  const { subscriptionId, added, removed } = invoice;
  if (!added || !removed || !subscriptionId) {
    deps.logger.warn({ invoice: invoice.invoiceId }, 'a subscription_update invoice without a plan change: nothing granted');
    return false;
  }
  const userId = await userOfCustomer(deps.em, invoice.customerId);
  if (!userId) throw new Error(`invoice ${invoice.invoiceId} cannot be matched to a user yet`);
  const r = await grantUpgradeCredits(
    { em: deps.em, clock: deps.clock, events: deps.events },
    {
      userId,
      subscriptionId,
      invoiceId: invoice.invoiceId,
      fromPlan: removed.planCode,
      toPlan: added.planCode,
      changedAt: added.periodStart,
      periodEnd: added.periodEnd,
    },
  );
  if (!r.ok) {
    // a move to a plan with fewer included seconds, or the period ended before the payment
    // arrived: nothing to grant (the ledger function decides, from the plans' data)
    if (r.error.code === 'INVALID_ARGUMENT' || r.error.code === 'INVALID_PERIOD') return false;
    // the membership's period is opened by the subscription's own event: retry
    throw paidGrantRefused(deps, 'upgrade grant', invoice.invoiceId, userId, r.error);
  }
  return true;
}
