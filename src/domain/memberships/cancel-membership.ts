// Cancels the membership's subscription, at the period end by default (billing rules §5): the
// remaining PLAN seconds expire then, and the final period's overage is billed on its own invoice.
// Cancelled now, the period ends at once: its PLAN seconds expire and its overage is billed on a
// final invoice before this answers (and again, changing nothing, when Stripe's
// customer.subscription.deleted arrives — endCanceledMembership).
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import type { Payments } from '../ports';
import type { PlanCode } from '../../db/entities/types';
import type { Clock } from '../../shared/clock';
import type { LedgerEvents } from '../ports';
import { endCanceledMembership } from '../billing/end-canceled-membership';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export async function cancelMembership(
  deps: { em: Em; payments: Payments | null; clock: Clock; events?: LedgerEvents; actor?: Actor },
  input: { userId: string; atPeriodEnd: boolean },
): Promise<Result<{ cancelAtPeriodEnd: boolean }>> {
  if (!deps.payments) return fail(ErrorCode.STRIPE_NOT_CONFIGURED);
  const [m] = await deps.em
    .getConnection()
    .execute<
      { stripe_subscription_id: string | null; status: string; plan_code: PlanCode; scheduled_plan_code: string | null; cancel_at_period_end: boolean }[]
    >('select stripe_subscription_id, status, plan_code, scheduled_plan_code, cancel_at_period_end from memberships where user_id = ?', [input.userId]);
  if (!m?.stripe_subscription_id || m.status === 'CANCELED') return fail(ErrorCode.MEMBERSHIP_NOT_FOUND, 'userId');
  // a downgrade waiting for the period end is released: the membership ends there instead (§5)
  if (m.scheduled_plan_code) {
    await deps.payments.changeSubscriptionPlan({
      subscriptionId: m.stripe_subscription_id,
      planCode: m.plan_code,
      when: 'KEEP',
      idempotencyKey: `cancel-${m.stripe_subscription_id}-release`,
    });
  }
  const r = await deps.payments.cancelSubscription(m.stripe_subscription_id, input.atPeriodEnd);
  // the subscription's webhook mirrors the rest; this makes the answer current at once, and the
  // request is audited with it (billing rules §10), once per subscription and way of cancelling
  const subscriptionId = m.stripe_subscription_id;
  const when = input.atPeriodEnd ? 'PERIOD_END' : 'NOW';
  await withTransaction(deps.em, async (tx) => {
    await tx.query(
      `update memberships set cancel_at_period_end = $1, scheduled_plan_code = null, scheduled_change_at = null, status = case when $2 then 'CANCELED' else status end, updated_at = now() where user_id = $3`,
      [r.cancelAtPeriodEnd, r.status === 'canceled', input.userId],
    );
    await writeAudit(tx, {
      actor: deps.actor ?? { id: input.userId, role: 'USER' },
      action: 'CANCELLATION_REQUESTED',
      targetUserId: input.userId,
      subjectId: subscriptionId,
      before: { status: m.status, cancelAtPeriodEnd: m.cancel_at_period_end, planCode: m.plan_code, scheduledPlanCode: m.scheduled_plan_code },
      after: { when, subscriptionId, cancelAtPeriodEnd: r.cancelAtPeriodEnd, stripeStatus: r.status },
      dedupeKey: `cancel:${subscriptionId}:${when}`,
    });
  });
  if (r.status === 'canceled') {
    await endCanceledMembership(
      { em: deps.em, clock: deps.clock, events: deps.events, payments: deps.payments },
      { userId: input.userId, subscriptionId: m.stripe_subscription_id },
    );
  }
  return { ok: true, value: { cancelAtPeriodEnd: r.cancelAtPeriodEnd } };
}
