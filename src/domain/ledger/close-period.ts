// Closes a billing period whose end has passed: the PLAN seconds left expire (EXPIRY), the plan's
// rollover becomes a ROLLOVER grant, and the overage is fixed in cents — round half up once,
// capped by the overage limit. Closing twice answers the first result.
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpCloseCanceledPeriods, vpClosePeriod, type EarlyClose, type PeriodCloseAnswer } from '../../db/ledger';
import { published } from './publish';
import { checkId } from './validate';
import { toBalance, type BalanceSnapshot } from './views';

export interface ClosePeriodInput {
  periodId: string;
}

export interface PeriodCloseOutcome extends Omit<PeriodCloseAnswer, 'periodStart' | 'periodEnd' | 'balance'> {
  periodStart: Date;
  periodEnd: Date;
  balance: BalanceSnapshot;
}

export async function closePeriod(deps: LedgerDeps, input: ClosePeriodInput): Promise<Result<PeriodCloseOutcome>> {
  return close(deps, input, null);
}

/**
 * Closes a period now, before its end, because its membership was cancelled at once, keeping its
 * PLAN seconds (an operator's tool; an immediate cancellation and an erasure end it with
 * endCanceledPeriods instead, billing rules §5): the
 * overage is fixed in cents as at a normal close, so it can be billed while the Stripe customer
 * still exists; nothing expires or rolls over (the PLAN seconds left expire at their grants' end).
 * A period that has ended or is closed already closes as usual or answers its first result; one of a
 * membership that is not CANCELED is refused with PERIOD_NOT_ENDED.
 */
export async function closeCanceledPeriod(deps: LedgerDeps, input: ClosePeriodInput): Promise<Result<PeriodCloseOutcome>> {
  return close(deps, input, 'KEEP_PLAN_SECONDS');
}

/** Every OPEN period of the user's CANCELED memberships, closed now under the user's lock, PLAN seconds kept (see closeCanceledPeriod). */
export async function closeCanceledPeriods(deps: LedgerDeps, input: { userId: string }): Promise<Result<PeriodCloseOutcome[]>> {
  return closeCanceled(deps, input.userId, false);
}

/**
 * Ends every OPEN period of the user's CANCELED membership now, because the subscription ended
 * before its period end (an immediate cancellation, billing rules §5): the PLAN seconds left expire
 * now, nothing rolls over, and the overage is fixed in cents for the final invoice. Under the user's
 * lock; a period closed before answers nothing here (it is no longer OPEN).
 */
export async function endCanceledPeriods(deps: LedgerDeps, input: { userId: string }): Promise<Result<PeriodCloseOutcome[]>> {
  return closeCanceled(deps, input.userId, true);
}

async function closeCanceled(deps: LedgerDeps, userId: string, expireNow: boolean): Promise<Result<PeriodCloseOutcome[]>> {
  const bad = checkId(userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  const r = published(deps, await vpCloseCanceledPeriods(deps.em, { userId: userId.toLowerCase(), expireNow, now: deps.clock.now() }));
  if (!r.ok) return r;
  return { ok: true, value: r.value.map(toOutcome) };
}

async function close(deps: LedgerDeps, input: ClosePeriodInput, early: EarlyClose): Promise<Result<PeriodCloseOutcome>> {
  const bad = checkId(input.periodId, 'periodId', ErrorCode.PERIOD_NOT_FOUND);
  if (bad) return bad;
  const r = published(deps, await vpClosePeriod(deps.em, { periodId: input.periodId, early, now: deps.clock.now() }));
  if (!r.ok) return r;
  return { ok: true, value: toOutcome(r.value) };
}

const toOutcome = (j: PeriodCloseAnswer): PeriodCloseOutcome => ({
  periodId: j.periodId,
  userId: j.userId,
  periodStart: new Date(j.periodStart),
  periodEnd: new Date(j.periodEnd),
  expiredSeconds: j.expiredSeconds,
  rolloverSeconds: j.rolloverSeconds,
  overageSeconds: j.overageSeconds,
  overCapSeconds: j.overCapSeconds,
  overageCents: j.overageCents,
  balance: toBalance(j.balance),
});

/**
 * Closes up to `batchMax` periods that have ended; returns what was closed (for the sweep job). One
 * period that fails (reported to onError) does not keep the others from closing.
 */
export async function closeDuePeriods(
  deps: LedgerDeps,
  batchMax: number,
  onError: (periodId: string, err: unknown) => void = () => undefined,
): Promise<PeriodCloseOutcome[]> {
  const now = deps.clock.now();
  const due = await deps.em.getConnection().execute<{ id: string }[]>(
    `select id from usage_periods where status = 'OPEN' and period_end <= coalesce(?::timestamptz, now())
      order by period_end limit ?`,
    [now, batchMax],
  );
  const closed: PeriodCloseOutcome[] = [];
  for (const { id } of due) {
    try {
      const r = await closePeriod(deps, { periodId: id });
      if (r.ok) closed.push(r.value);
      else onError(id, r.error);
    } catch (err) {
      onError(id, err);
    }
  }
  return closed;
}
