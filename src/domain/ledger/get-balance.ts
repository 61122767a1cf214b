// The balance a caller sees: settled at this moment (expired holds and grants written off first)
// and with the current period's usage beside it.
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { callLedger } from './ledger-call';
import { overageCents } from './rules';
import { asDateOrNull } from '../../shared/time';
import { checkId } from './validate';
import { toBalance, type BalanceSnapshot } from './views';

export interface BalanceView extends BalanceSnapshot {
  periodIncludedSeconds: number;
  periodUsedSeconds: number;
  periodOverageSeconds: number;
  /** What the overage so far would cost, capped by the limit (fixed at period close). */
  periodOverageCents: number;
  periodStart: Date | null;
  periodEnd: Date | null;
}

export async function getBalance(deps: LedgerDeps, userId: string): Promise<Result<BalanceView>> {
  const bad = checkId(userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  const r = await callLedger<Record<string, unknown>>(deps.em, 'vp_touch_user', [userId, deps.clock.now()], 'userId');
  if (!r.ok) return r;
  const [p] = await deps.em.getConnection().execute<Record<string, string | Date | null>[]>(
    `select up.included_seconds, up.used_seconds, up.overage_seconds, up.overage_cents_per_minute, up.period_start,
            up.period_end, coalesce(ms.overage_limit_cents, pl.price_cents) as limit_cents
       from memberships ms
       join plans pl on pl.code = ms.plan_code
       join usage_periods up on up.user_id = ms.user_id and up.period_start = ms.current_period_start
      where ms.user_id = ?`,
    [userId],
  );
  const overage = Number(p?.overage_seconds ?? 0);
  return {
    ok: true,
    value: {
      ...toBalance(r.value),
      periodIncludedSeconds: Number(p?.included_seconds ?? 0),
      periodUsedSeconds: Number(p?.used_seconds ?? 0),
      periodOverageSeconds: overage,
      periodOverageCents: p ? overageCents(overage, Number(p.overage_cents_per_minute), Number(p.limit_cents)) : 0,
      periodStart: asDateOrNull(p?.period_start),
      periodEnd: asDateOrNull(p?.period_end),
    },
  };
}
