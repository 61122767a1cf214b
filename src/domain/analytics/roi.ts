// A customer's return on the voice agent over [from, to) (default: all time): the minutes it
// handled, what people would have cost for them at the given hourly cost, what the customer spent
// with us (membership fees, overage, top-ups), and the difference.
import { limits } from '../../config/limits';
import { ErrorCode, fail, ok, type Result } from '../../shared/errors';
import { checkId } from '../ledger/validate';
import type { AnalyticsDeps } from './deps';
import { factsCtes, PARAMS_CTE } from './facts.sql';
import { catchUpRollups } from './refresh-usage-rollups';
import { checkRange } from './range';
import { humanCostCents, ratioBp } from './rules';

export interface Roi {
  userId: string;
  from: Date | null;
  to: Date | null;
  agentCostCentsPerHour: number;
  calls: number;
  handledSeconds: number;
  /** Whole minutes, for display. */
  handledMinutes: number;
  humanCostCents: number;
  spendCents: number;
  savingsCents: number;
  /** savings / spend; null when nothing was spent. */
  returnBp: number | null;
}

export interface RoiInput {
  userId: string;
  agentCostCentsPerHour: number;
  from?: Date | null;
  to?: Date | null;
}

export async function roi(deps: AnalyticsDeps, input: RoiInput): Promise<Result<Roi>> {
  const cost = input.agentCostCentsPerHour;
  if (!Number.isSafeInteger(cost) || cost < 0 || cost > limits.agentCostCentsPerHourMax) {
    return fail(ErrorCode.INVALID_ARGUMENT, 'agentCostCentsPerHour');
  }
  const from = input.from ?? null;
  const to = input.to ?? null;
  const bad = (from && to ? checkRange(from, to) : null) ?? checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  await catchUpRollups(deps);
  const [row] = await deps.em.getConnection().execute<Record<string, string | null>[]>(
    `with ${PARAMS_CTE}, ${factsCtes(true)}
     select (select count(*) from users where id = (select user_id from p)) as found,
            coalesce(sum(membership_cents + overage_cents + topup_cents), 0) as spend,
            coalesce(sum(used_seconds), 0) as used, coalesce(sum(calls), 0) as calls
       from facts`,
    [from, to, input.userId],
  );
  if (Number(row!.found) === 0) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  const handled = Number(row!.used);
  const human = humanCostCents(handled, cost);
  const spend = Number(row!.spend);
  return ok({
    userId: input.userId,
    from,
    to,
    agentCostCentsPerHour: cost,
    calls: Number(row!.calls),
    handledSeconds: handled,
    handledMinutes: Math.floor(handled / 60),
    humanCostCents: human,
    spendCents: spend,
    savingsCents: human - spend,
    returnBp: ratioBp(human - spend, spend),
  });
}
