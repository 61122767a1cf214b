// Mirrors a membership (from Stripe, or an admin): plan, status and current period. The period's
// usage row is opened with it, so usage and overage have a place to be counted.
import { limits } from '../../config/limits';
import { MEMBERSHIP_STATUSES, PLAN_CODES, type MembershipStatus, type PlanCode } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import { checkId, firstFailure } from '../ledger/validate';
import { asDateOrNull } from '../../shared/time';
import { withTransaction, type Tx } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export interface SetMembershipInput {
  userId: string;
  planCode: PlanCode;
  status: MembershipStatus;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd?: boolean;
  /** undefined keeps the current limit; null means the plan's monthly price. */
  overageLimitCents?: number | null;
  stripeCustomerId?: string | null;
  stripeSubscriptionId?: string | null;
  /**
   * The time of the provider event this mirrors: the change applies only if no newer event was
   * applied before — decided in the same statement, so concurrent events cannot move it backwards.
   */
  stripeEventAt?: Date | null;
}

export interface MembershipView {
  id: string;
  userId: string;
  planCode: PlanCode;
  status: MembershipStatus;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  overageLimitCents: number | null;
}

/** `?` placeholders as pg's $1…$n. */
const numbered = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};

/**
 * With an actor (Stripe, for its webhooks and the reconciliation), what the change means for the
 * membership is audited in the same transaction (billing rules §10): a plan that moved on the same
 * subscription (PLAN_CHANGED), a subscription that ended (SUBSCRIPTION_ENDED, once per subscription).
 */
export async function setMembership(deps: { em: Em; actor?: Actor }, input: SetMembershipInput): Promise<Result<MembershipView>> {
  const start = input.currentPeriodStart;
  const end = input.currentPeriodEnd;
  const limit = input.overageLimitCents;
  const bad = firstFailure(
    PLAN_CODES.includes(input.planCode) ? null : fail(ErrorCode.PLAN_NOT_FOUND, 'planCode'),
    MEMBERSHIP_STATUSES.includes(input.status) ? null : fail(ErrorCode.INVALID_ARGUMENT, 'status'),
    (start === null) === (end === null) && (!start || !end || end > start) ? null : fail(ErrorCode.INVALID_PERIOD, 'currentPeriodEnd'),
    limit === undefined || limit === null || (Number.isSafeInteger(limit) && limit >= 0 && limit <= limits.overageLimitCentsMax)
      ? null
      : fail(ErrorCode.INVALID_ARGUMENT, 'overageLimitCents'),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  const conn = deps.em.getConnection();
  const exists = await conn.execute<{ n: number }[]>('select 1 as n from users where id = ?', [input.userId]);
  if (exists.length === 0) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  return withTransaction(deps.em, (tx) => upsert(tx, deps.actor ?? null, input));
}

async function upsert(tx: Tx, actor: Actor | null, input: SetMembershipInput): Promise<Result<MembershipView>> {
  const start = input.currentPeriodStart;
  const end = input.currentPeriodEnd;
  const limit = input.overageLimitCents;
  // the membership before, locked until this commits (concurrent events apply one after the other)
  const [was] = await tx.query<{ plan_code: PlanCode; status: MembershipStatus; stripe_subscription_id: string | null }>(
    'select plan_code, status, stripe_subscription_id from memberships where user_id = $1 for update',
    [input.userId],
  );
  const rows = await tx.query<Record<string, unknown>>(
    numbered(
      `with m as (
       insert into memberships as ms (user_id, plan_code, status, current_period_start, current_period_end,
                                      cancel_at_period_end, overage_limit_cents, stripe_customer_id, stripe_subscription_id,
                                      stripe_event_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       on conflict (user_id) do update set
         plan_code = excluded.plan_code, status = excluded.status,
         current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end,
         cancel_at_period_end = excluded.cancel_at_period_end,
         overage_limit_cents = case when ? then ms.overage_limit_cents else excluded.overage_limit_cents end,
         stripe_customer_id = coalesce(excluded.stripe_customer_id, ms.stripe_customer_id),
         stripe_subscription_id = coalesce(excluded.stripe_subscription_id, ms.stripe_subscription_id),
         stripe_event_at = coalesce(excluded.stripe_event_at, ms.stripe_event_at),
         -- a downgrade waiting for the period end is done once the plan arrives (or the membership ends)
         scheduled_plan_code = case when excluded.plan_code = ms.scheduled_plan_code or excluded.status = 'CANCELED'
                                    then null else ms.scheduled_plan_code end,
         scheduled_change_at = case when excluded.plan_code = ms.scheduled_plan_code or excluded.status = 'CANCELED'
                                    then null else ms.scheduled_change_at end,
         updated_at = now()
       where (excluded.stripe_event_at is null or ms.stripe_event_at is null or ms.stripe_event_at < excluded.stripe_event_at)
         -- a cancelled subscription stays cancelled (Stripe's end is terminal): an event of the same
         -- subscription delivered late, however new its time, cannot bring it back
         and not (ms.status = 'CANCELED' and excluded.status <> 'CANCELED'
                  and excluded.stripe_subscription_id is not null and excluded.stripe_subscription_id = ms.stripe_subscription_id)
       returning *
     ), p as (
       insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds,
                                  overage_cents_per_minute)
       select m.user_id, m.id, m.plan_code, m.current_period_start, m.current_period_end, pl.included_seconds,
              pl.overage_cents_per_minute
         from m join plans pl on pl.code = m.plan_code
        where m.current_period_start is not null
       on conflict (user_id, period_start) do update set period_end = excluded.period_end
         where usage_periods.status = 'OPEN'  -- a period that moves its end (e.g. a longer trial) keeps counting
     )
     select * from m`,
    ),
    [
      input.userId,
      input.planCode,
      input.status,
      start,
      end,
      input.cancelAtPeriodEnd ?? false,
      limit ?? null,
      input.stripeCustomerId ?? null,
      input.stripeSubscriptionId ?? null,
      input.stripeEventAt ?? null,
      limit === undefined,
    ],
  );
  let m = rows[0];
  if (m && actor) await auditChange(tx, actor, input, was ?? null, m);
  if (!m) {
    // a newer event was applied already: nothing changes
    [m] = await tx.query<Record<string, unknown>>('select * from memberships where user_id = $1', [input.userId]);
  }
  if (!m) throw new Error(`membership of ${input.userId} vanished`);
  return {
    ok: true,
    value: {
      id: m.id as string,
      userId: m.user_id as string,
      planCode: m.plan_code as PlanCode,
      status: m.status as MembershipStatus,
      currentPeriodStart: asDateOrNull(m.current_period_start as string | null),
      currentPeriodEnd: asDateOrNull(m.current_period_end as string | null),
      cancelAtPeriodEnd: m.cancel_at_period_end as boolean,
      overageLimitCents: m.overage_limit_cents === null ? null : Number(m.overage_limit_cents),
    },
  };
}

async function auditChange(
  tx: Tx,
  actor: Actor,
  input: SetMembershipInput,
  was: { plan_code: PlanCode; status: MembershipStatus; stripe_subscription_id: string | null } | null,
  now: Record<string, unknown>,
): Promise<void> {
  const subscriptionId = (now.stripe_subscription_id as string | null) ?? null;
  const at = input.stripeEventAt ? input.stripeEventAt.getTime() : null;
  const periodEnd = input.currentPeriodEnd;
  // a plan change applied: the same subscription, another price (a new subscription is a checkout)
  if (was && was.plan_code !== now.plan_code && subscriptionId && was.stripe_subscription_id === subscriptionId) {
    await writeAudit(tx, {
      actor,
      action: 'PLAN_CHANGED',
      targetUserId: input.userId,
      subjectId: subscriptionId,
      before: { planCode: was.plan_code },
      after: { planCode: now.plan_code as string, subscriptionId, status: now.status as string },
      dedupeKey: at === null ? null : `plan-changed:${subscriptionId}:${at}:${now.plan_code as string}`,
    });
  }
  if (now.status === 'CANCELED' && subscriptionId) {
    await writeAudit(tx, {
      actor,
      action: 'SUBSCRIPTION_ENDED',
      targetUserId: input.userId,
      subjectId: subscriptionId,
      before: { status: was?.status ?? null, planCode: was?.plan_code ?? null },
      after: {
        status: 'CANCELED',
        subscriptionId,
        planCode: now.plan_code as string,
        currentPeriodEnd: periodEnd ? periodEnd.toISOString() : null,
        // ended before its period end: an immediate cancellation (billing rules §5)
        beforePeriodEnd: Boolean(input.stripeEventAt && periodEnd && input.stripeEventAt < periodEnd),
      },
      dedupeKey: `subscription-ended:${subscriptionId}`,
    });
  }
}
