// An upgrade mid-period (billing rules §5): once its proration invoice is paid, the difference in
// included seconds between the plans, prorated by the time left in the period, is granted as PLAN
// seconds that expire with the period — once per proration invoice (the ledger key names it).
import { limits } from '../../config/limits';
import { PLAN_CODES, type PlanCode } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpGrantUpgrade } from '../../db/ledger';
import { published } from './publish';
import { toGrantOutcome, type GrantOutcome } from './grant-credits';
import { checkDate, checkId, checkText, firstFailure } from './validate';

export interface GrantUpgradeCreditsInput {
  userId: string;
  subscriptionId: string;
  /** The paid proration invoice: one grant per invoice. */
  invoiceId: string;
  fromPlan: PlanCode;
  toPlan: PlanCode;
  /** When the new plan took effect (the proration's start). */
  changedAt: Date;
  /** The end of the period the upgrade happened in. */
  periodEnd: Date;
}

/** The grant, or null when nothing was left to grant (the change came at the very end). */
export async function grantUpgradeCredits(deps: LedgerDeps, input: GrantUpgradeCreditsInput): Promise<Result<GrantOutcome | null>> {
  const bad = firstFailure(
    checkText(input.subscriptionId, 'subscriptionId', limits.referenceLengthMax),
    typeof input.invoiceId === 'string' && input.invoiceId.length > 0
      ? checkText(input.invoiceId, 'invoiceId', limits.referenceLengthMax)
      : fail(ErrorCode.INVALID_ARGUMENT, 'invoiceId'),
    PLAN_CODES.includes(input.fromPlan) ? null : fail(ErrorCode.PLAN_NOT_FOUND, 'fromPlan'),
    PLAN_CODES.includes(input.toPlan) ? null : fail(ErrorCode.PLAN_NOT_FOUND, 'toPlan'),
    checkDate(input.changedAt, 'changedAt', ErrorCode.INVALID_ARGUMENT),
    checkDate(input.periodEnd, 'periodEnd', ErrorCode.INVALID_PERIOD),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  const r = published(
    deps,
    await vpGrantUpgrade(deps.em, {
      userId: input.userId,
      subscriptionId: input.subscriptionId,
      invoiceId: input.invoiceId,
      periodEnd: input.periodEnd,
      fromPlan: input.fromPlan,
      toPlan: input.toPlan,
      changedAt: input.changedAt,
      now: deps.clock.now(),
    }),
  );
  if (!r.ok) return r;
  const { grant, ...rest } = r.value;
  return { ok: true, value: grant ? toGrantOutcome({ ...rest, grant }) : null };
}
