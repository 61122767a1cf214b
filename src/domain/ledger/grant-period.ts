// Recharge: the plan's included seconds for a paid period, exactly once per (subscription, period
// start) — the database's unique PLAN key enforces it across processes and replays — with its
// payment mark (billing rules §5, "Renewals are usable from their first second"): granted ahead
// awaiting its invoice's payment, confirmed when paid.
import type { PoolClient } from 'pg';
import { limits } from '../../config/limits';
import { PLAN_CODES, type PlanCode } from '../../db/entities/types';
import { withTransaction } from '../../db/transaction';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpGrantPlan, type GrantAnswer } from '../../db/ledger';
import { answered } from './publish';
import { toGrantOutcome, type GrantOutcome } from './grant-credits';
import { checkDate, checkId, checkText, firstFailure } from './validate';

export interface PeriodGrantInput {
  userId: string;
  subscriptionId: string;
  planCode: PlanCode;
  periodStart: Date;
  periodEnd: Date;
  /**
   * true: granted ahead of its invoice's payment; false: the invoice is paid (confirms a grant made
   * ahead); absent: no payment mark (a grant outside Stripe's renewals).
   */
  awaitingPayment?: boolean;
}

/** The ledger's PLAN key of a (subscription, period start): the grant's business identity. */
export const planKey = (subscriptionId: string, periodStart: Date) => `~plan:${subscriptionId}:${periodStart.getTime()}`;

/**
 * The period's PLAN grant (once per subscription and period start: the ledger's unique key) and its
 * payment mark, in one transaction, after the input is checked (typed failures, nothing written): awaiting only if not confirmed yet, confirmed whatever came
 * first — so either order of the period's opening and its invoice.paid ends confirmed, and no grant
 * is ever committed without its mark. Like every ledger call it waits for the user's row at most
 * limits.usageLockWaitMsMax; past that the event fails and is retried.
 */
export async function grantPeriod(deps: LedgerDeps, input: PeriodGrantInput): Promise<Result<GrantOutcome>> {
  const bad = firstFailure(
    typeof input.subscriptionId === 'string' && input.subscriptionId.length > 0
      ? checkText(input.subscriptionId, 'subscriptionId', limits.referenceLengthMax)
      : fail(ErrorCode.INVALID_ARGUMENT, 'subscriptionId'),
    PLAN_CODES.includes(input.planCode) ? null : fail(ErrorCode.PLAN_NOT_FOUND, 'planCode'),
    checkDate(input.periodStart, 'periodStart', ErrorCode.INVALID_PERIOD),
    checkDate(input.periodEnd, 'periodEnd', ErrorCode.INVALID_PERIOD),
    input.periodEnd > input.periodStart ? null : fail(ErrorCode.INVALID_PERIOD, 'periodEnd'),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  const answer = await withTransaction(deps.em, async (tx, conn: PoolClient): Promise<Result<GrantAnswer>> => {
    const granted = await vpGrantPlan.attempt(conn, {
      userId: input.userId,
      subscriptionId: input.subscriptionId,
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      planCode: input.planCode,
      now: deps.clock.now(),
    });
    if (!granted.ok || input.awaitingPayment === undefined) return granted;
    await tx.query(
      `update credit_grants set awaiting_payment = $1
        where source = 'PLAN' and idempotency_key = $2 and ${input.awaitingPayment ? 'awaiting_payment is null' : 'awaiting_payment is not false'}`,
      [input.awaitingPayment, planKey(input.subscriptionId, input.periodStart)],
    );
    return granted;
  });
  if (!answer.ok) return answer;
  const published = answered(deps, answer.value);
  return published.ok ? { ok: true, value: toGrantOutcome(published.value) } : published;
}
