// customer.subscription.deleted before the period end — a cancellation now by our mutation, in
// Stripe's billing portal, or by Stripe itself: the period ends at once (billing rules §5). Called
// from the handler after the membership mirrors the subscription; safe under duplicates and replays
// (see endCanceledMembership).
import type { Stripe } from './client';
import { userOfCustomer } from '../domain/billing/customers';
import { endCanceledMembership } from '../domain/billing/end-canceled-membership';
import type { ProcessDeps } from './deps';
import { invoiceFinalOverage } from './payments';

export async function endPeriodOfDeletedSubscription(deps: ProcessDeps, sub: Stripe.Subscription): Promise<void> {
  if (sub.status !== 'canceled') return;
  const customer = typeof sub.customer === 'string' ? sub.customer : sub.customer?.id;
  const userId = await userOfCustomer(deps.em, customer ?? null);
  if (!userId) return; // the mirror before this found the user, or threw
  const r = await endCanceledMembership(
    {
      em: deps.em,
      clock: deps.clock,
      events: deps.events,
      payments: { invoiceFinalOverage: (input) => invoiceFinalOverage(deps.stripe, input) },
    },
    { userId, subscriptionId: sub.id },
  );
  if (r.closed.length || r.billed)
    deps.logger.info(
      { subscription: sub.id, closedPeriods: r.closed.length, finalInvoices: r.billed },
      'subscription ended before its period end: period closed and billed',
    );
}
