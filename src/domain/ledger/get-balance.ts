// The balance a caller sees, settled at this moment (expired holds and grants written off first,
// under the user's lock, only when something is due), and the current period's usage beside it.
import { ErrorCode, type Result } from '../../shared/errors';
import { asDateOrNull } from '../../shared/time';
import { uuidArray } from '../queries/lookups';
import type { LedgerDeps } from './deps';
import type { Em } from '../../db/em';
import { vpReadBalance } from '../../db/ledger';
import { overageCents } from './rules';
import { checkId } from './validate';
import { toBalance, type BalanceSnapshot } from './views';

export async function getBalance(deps: LedgerDeps, userId: string): Promise<Result<BalanceSnapshot>> {
  const bad = checkId(userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  // a read publishes nothing (the sweep publishes what it settles)
  const r = await vpReadBalance(deps.em, { userId, now: deps.clock.now() }, { field: 'userId' });
  return r.ok ? { ok: true, value: toBalance(r.value) } : r;
}

export interface PeriodUsage {
  userId: string;
  periodStart: Date | null;
  periodEnd: Date | null;
  includedSeconds: number;
  usedSeconds: number;
  overageSeconds: number;
  /** What the overage so far costs, capped by the limit (fixed at period close). */
  overageCents: number;
}

export const NO_PERIOD = (userId: string): PeriodUsage => ({
  userId,
  periodStart: null,
  periodEnd: null,
  includedSeconds: 0,
  usedSeconds: 0,
  overageSeconds: 0,
  overageCents: 0,
});

/** The current period's usage of several users in one query (for loaders). */
export async function loadPeriodUsage(em: Em, userIds: readonly string[]): Promise<Map<string, PeriodUsage>> {
  const rows = await em.getConnection().execute<Record<string, string | null>[]>(
    `select ms.user_id, up.included_seconds, up.used_seconds, up.overage_seconds, up.overage_cents_per_minute,
            up.period_start, up.period_end, coalesce(ms.overage_limit_cents, pl.price_cents) as limit_cents
       from memberships ms
       join plans pl on pl.code = ms.plan_code
       join usage_periods up on up.user_id = ms.user_id and up.period_start = ms.current_period_start
      where ms.user_id = any(?::uuid[])`,
    [uuidArray(userIds)],
  );
  const out = new Map<string, PeriodUsage>();
  for (const p of rows) {
    const overage = Number(p.overage_seconds);
    out.set(p.user_id!, {
      userId: p.user_id!,
      periodStart: asDateOrNull(p.period_start),
      periodEnd: asDateOrNull(p.period_end),
      includedSeconds: Number(p.included_seconds),
      usedSeconds: Number(p.used_seconds),
      overageSeconds: overage,
      overageCents: overageCents(overage, Number(p.overage_cents_per_minute), Number(p.limit_cents)),
    });
  }
  return out;
}
