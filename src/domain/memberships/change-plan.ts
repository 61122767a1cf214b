// Plan changes (billing rules §5). An upgrade applies at once: the provider charges the prorated
// difference, and once that invoice is paid the prorated difference in included seconds is
// granted (src/stripe/handlers.ts). A downgrade applies at the period end: the provider switches
// the price at the renewal, so this period keeps the larger plan. Asking for the current plan
// while a downgrade waits cancels the downgrade.
import { PLAN_CODES, type PlanCode } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import { checkKey, firstFailure, fingerprint } from '../ledger/validate';
import type { Payments } from '../ports';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export type PlanChangeKind = 'UPGRADE' | 'DOWNGRADE' | 'DOWNGRADE_CANCELED';

export interface PlanChange {
  kind: PlanChangeKind;
  planCode: PlanCode;
  /** When the new plan applies: now for an upgrade, the period end for a downgrade. */
  effectiveAt: Date;
  /** An upgrade whose payment needs the customer (3-D Secure): it applies once paid. */
  paymentPending: boolean;
}

interface MembershipRow {
  plan_code: PlanCode;
  status: string;
  cancel_at_period_end: boolean;
  stripe_subscription_id: string | null;
  current_period_end: Date | null;
  scheduled_plan_code: PlanCode | null;
  current_included: string;
  target_included: string | null;
}

const OPERATION = 'changePlan';

export async function changePlan(
  deps: { em: Em; payments: Payments | null; actor?: Actor },
  input: { userId: string; planCode: PlanCode; idempotencyKey: string },
): Promise<Result<PlanChange>> {
  if (!deps.payments) return fail(ErrorCode.STRIPE_NOT_CONFIGURED);
  const bad = firstFailure(PLAN_CODES.includes(input.planCode) ? null : fail(ErrorCode.PLAN_NOT_FOUND, 'plan'), checkKey(input.idempotencyKey));
  if (bad) return bad;
  const conn = deps.em.getConnection();
  const print = fingerprint(OPERATION, { plan: input.planCode });
  const [seen] = await conn.execute<{ operation: string; request_fingerprint: string; response: PlanChange }[]>(
    'select operation, request_fingerprint, response from idempotency_records where user_id = ? and key = ?',
    [input.userId, input.idempotencyKey],
  );
  if (seen) {
    if (seen.operation !== OPERATION || seen.request_fingerprint !== print) return fail(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'idempotencyKey');
    return { ok: true, value: { ...seen.response, effectiveAt: new Date(seen.response.effectiveAt) } };
  }
  const [m] = await conn.execute<MembershipRow[]>(
    `select ms.plan_code, ms.status, ms.cancel_at_period_end, ms.stripe_subscription_id, ms.current_period_end, ms.scheduled_plan_code,
            cur.included_seconds as current_included, tgt.included_seconds as target_included
       from memberships ms join plans cur on cur.code = ms.plan_code left join plans tgt on tgt.code = ?
      where ms.user_id = ?`,
    [input.planCode, input.userId],
  );
  if (!m?.stripe_subscription_id || m.status === 'CANCELED') return fail(ErrorCode.MEMBERSHIP_NOT_FOUND, 'userId');
  if (m.target_included === null) return fail(ErrorCode.PLAN_NOT_FOUND, 'plan');
  if (!['ACTIVE', 'TRIALING'].includes(m.status) || m.cancel_at_period_end || !m.current_period_end) {
    return fail(ErrorCode.MEMBERSHIP_NOT_ACTIVE, 'userId');
  }
  const stripeKey = `change-plan-${input.userId}-${input.idempotencyKey}`;
  let change: PlanChange;
  if (m.plan_code === input.planCode) {
    if (!m.scheduled_plan_code) return fail(ErrorCode.SAME_PLAN, 'plan');
    await deps.payments.changeSubscriptionPlan({ subscriptionId: m.stripe_subscription_id, planCode: input.planCode, when: 'KEEP', idempotencyKey: stripeKey });
    change = { kind: 'DOWNGRADE_CANCELED', planCode: input.planCode, effectiveAt: new Date(), paymentPending: false };
  } else if (Number(m.target_included) > Number(m.current_included)) {
    const r = await deps.payments.changeSubscriptionPlan({
      subscriptionId: m.stripe_subscription_id,
      planCode: input.planCode,
      when: 'NOW',
      idempotencyKey: stripeKey,
    });
    change = { kind: 'UPGRADE', planCode: input.planCode, effectiveAt: new Date(), paymentPending: r.paymentPending };
  } else {
    await deps.payments.changeSubscriptionPlan({
      subscriptionId: m.stripe_subscription_id,
      planCode: input.planCode,
      when: 'PERIOD_END',
      idempotencyKey: stripeKey,
    });
    change = { kind: 'DOWNGRADE', planCode: input.planCode, effectiveAt: new Date(m.current_period_end), paymentPending: false };
  }
  // the plan itself moves with the subscription's webhook; what waits for the period end is ours to
  // show. The request is audited with it (billing rules §10), once per idempotency key
  const subscriptionId = m.stripe_subscription_id;
  await withTransaction(deps.em, async (tx) => {
    await tx.query(
      `update memberships set scheduled_plan_code = $1, scheduled_change_at = $2, updated_at = now() where user_id = $3`,
      change.kind === 'DOWNGRADE' ? [change.planCode, change.effectiveAt, input.userId] : [null, null, input.userId],
    );
    await tx.query(
      `insert into idempotency_records (user_id, key, operation, request_fingerprint, response, created_at)
       values ($1, $2, $3, $4, $5, now()) on conflict do nothing`,
      [input.userId, input.idempotencyKey, OPERATION, print, JSON.stringify(change)],
    );
    await writeAudit(tx, {
      actor: deps.actor ?? { id: input.userId, role: 'USER' },
      action: 'PLAN_CHANGE_REQUESTED',
      targetUserId: input.userId,
      subjectId: subscriptionId,
      before: { planCode: m.plan_code, scheduledPlanCode: m.scheduled_plan_code },
      after: {
        planCode: change.planCode,
        kind: change.kind,
        when: change.kind === 'DOWNGRADE' ? 'PERIOD_END' : 'NOW',
        effectiveAt: change.effectiveAt.toISOString(),
        paymentPending: change.paymentPending,
        subscriptionId,
      },
      dedupeKey: `change-plan:${input.idempotencyKey}`,
    });
  });
  return { ok: true, value: change };
}
