import { userOfCustomer } from '../billing/customers';
import type { Em } from '../../db/em';

/**
 * A subscription's invoice failed: its membership is PAST_DUE (no new PLAN grant, no overage) until
 * paid — unless it ended (an erasure or a cancellation came first; it is never reopened) or a newer
 * event was applied. An unknown customer changes nothing.
 */
export async function markSubscriptionPastDue(deps: { em: Em }, input: { customerId: string | null; subscriptionId: string; eventAt: Date }): Promise<void> {
  const userId = await userOfCustomer(deps.em, input.customerId);
  if (!userId) return;
  const eventCreated = input.eventAt.getTime() / 1000;
  await deps.em.getConnection().execute(
    `update memberships set status = 'PAST_DUE', stripe_event_at = to_timestamp(?), updated_at = now()
      where user_id = ? and stripe_subscription_id = ? and status <> 'CANCELED'
        and (stripe_event_at is null or stripe_event_at < to_timestamp(?))`,
    [eventCreated, userId, input.subscriptionId, eventCreated],
  );
}
