import type { PlanCode } from '../../db/entities/types';
import { grantPeriod } from '../ledger/grant-period';
import type { MembershipView } from '../memberships/set-membership';
import { planGrantExists } from './customers';
import type { PaymentEventDeps } from './deps';
import { paidGrantRefused } from './paid-grant-refused';

/** A subscription's current period, as its update says. */
export interface OpenedPeriod {
  subscriptionId: string;
  /** The provider says the subscription is active or trialing. */
  live: boolean;
  /** The subscription's first period (its invoice.paid grants it). */
  firstPeriod: boolean;
  /**
   * The update changes the plan inside a period it does not move (an upgrade applied now). The plan
   * it names is not the one the period was opened and invoiced at, so it opens nothing: an upgrade's
   * update may arrive before the renewal's own events, and the period is granted at the plan its
   * renewal invoice charges (by the renewal's update, its draft invoice or its invoice.paid).
   */
  planChangeOnly: boolean;
  planCode: PlanCode | null;
  periodStart: Date;
  periodEnd: Date;
}

/**
 * Renewals are usable from their first second (billing rules §5): when Stripe moves a live
 * subscription's period past its first one, the new period's included seconds are granted at once,
 * awaiting the renewal invoice's payment. The first period is granted by its invoice.paid only; a
 * PAST_DUE (or ended) membership gets no new PLAN grant. Keyed by (subscription, period start),
 * so a repeated or late event and the invoice.paid that follows grant nothing more.
 */
export async function grantOpenedRenewal(deps: PaymentEventDeps, view: MembershipView, opened: OpenedPeriod | null): Promise<void> {
  if (!opened || !opened.live) return;
  if (view.status !== 'ACTIVE' && view.status !== 'TRIALING') return; // a newer event says otherwise
  if (opened.firstPeriod) return; // the first period: its invoice.paid grants it
  if (opened.planChangeOnly) return; // a plan change inside the period: its proration grants the difference
  const { subscriptionId, periodStart, periodEnd } = opened;
  if (periodEnd.getTime() <= (deps.clock.now() ?? new Date()).getTime()) return; // a late event of a period long gone
  const plan = opened.planCode;
  if (!plan) return;
  // the period was granted when it opened; a plan change inside it moves the price, and its own
  // proration invoice grants the difference (an upgrade) — the opening grant stays as it was
  if (await planGrantExists(deps.em, subscriptionId, periodStart)) return;
  const r = await grantPeriod(deps, { userId: view.userId, subscriptionId, planCode: plan, periodStart, periodEnd, awaitingPayment: true });
  if (!r.ok) throw paidGrantRefused(deps, 'renewal grant', subscriptionId, view.userId, r.error);
}
