// Memberships mirror the provider's subscriptions and never move backwards on an out-of-order event
// (the event's time is compared with the last one applied, inside the upsert).
import type { MembershipStatus, PlanCode } from '../../db/entities/types';
import { STRIPE_ACTOR } from '../audit/audit';
import { PermanentFailure } from '../billing/failures';
import { userOfCustomer } from '../billing/customers';
import type { Em } from '../../db/em';
import { setMembership, type MembershipView } from './set-membership';

/** A subscription as the provider says it is now. */
export interface SubscriptionState {
  subscriptionId: string;
  customerId: string | null;
  status: MembershipStatus;
  cancelAtPeriodEnd: boolean;
  /** Its (first) item: the plan of its price (null: a price of no plan) and its current period. */
  item: { planCode: PlanCode | null; periodStart: Date; periodEnd: Date } | null;
}

/** The membership as the subscription says, unless something newer than `asOf` was applied already. */
export async function mirrorSubscription(deps: { em: Em }, asOf: Date, sub: SubscriptionState): Promise<MembershipView> {
  const userId = await userOfCustomer(deps.em, sub.customerId);
  if (!userId) throw new Error(`no user for Stripe customer ${sub.customerId}`);
  const item = sub.item;
  const plan = item?.planCode ?? null;
  // a price we do not know will not become known by retrying: fail for an operator to look at
  if (!item || !plan) throw new PermanentFailure(`subscription ${sub.subscriptionId} has no price of a plan (STRIPE_PRICE_*)`);
  // an event older than the last one applied changes nothing (Stripe delivers out of order); the
  // comparison happens inside the upsert, so concurrent events cannot interleave
  const r = await setMembership(
    { em: deps.em, actor: STRIPE_ACTOR },
    {
      userId,
      planCode: plan,
      status: sub.status,
      currentPeriodStart: item.periodStart,
      currentPeriodEnd: item.periodEnd,
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      stripeCustomerId: sub.customerId,
      stripeSubscriptionId: sub.subscriptionId,
      stripeEventAt: asOf,
    },
  );
  if (!r.ok) throw new Error(`membership mirror failed: ${r.error.code}`);
  return r.value;
}
