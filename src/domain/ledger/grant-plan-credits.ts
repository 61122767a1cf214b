// Recharge: the plan's included seconds for a paid period, exactly once per (subscription,
// period start) — the database's unique PLAN key enforces it across processes and replays.
import { limits } from '../../config/limits';
import { PLAN_CODES, type PlanCode } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpGrantPlan } from '../../db/ledger';
import { published } from './publish';
import { toGrantOutcome, type GrantOutcome } from './grant-credits';
import { checkDate, checkId, checkText, firstFailure } from './validate';

export interface GrantPlanCreditsInput {
  userId: string;
  subscriptionId: string;
  planCode: PlanCode;
  periodStart: Date;
  periodEnd: Date;
}

export async function grantPlanCredits(deps: LedgerDeps, input: GrantPlanCreditsInput): Promise<Result<GrantOutcome>> {
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
  const r = published(
    deps,
    await vpGrantPlan(deps.em, {
      userId: input.userId,
      subscriptionId: input.subscriptionId,
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      planCode: input.planCode,
      now: deps.clock.now(),
    }),
  );
  return r.ok ? { ok: true, value: toGrantOutcome(r.value) } : r;
}
