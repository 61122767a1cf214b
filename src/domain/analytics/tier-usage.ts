// ADMIN: how each plan's customers use what they pay for — over the billing periods that ended in
// [from, to): customers, periods, the average / p50 / p90 share of the included seconds used
// (billed seconds ÷ included seconds, in basis points; over 10,000 means overage), and the share
// of periods that went into overage. Percentiles are nearest-rank (an observed value).
import type { PlanCode } from '../../db/entities/types';
import { ok, type Result } from '../../shared/errors';
import type { AnalyticsDeps } from './deps';
import { checkRange } from './range';
import { divRound, ratioBp } from './rules';

export interface TierUsage {
  planCode: PlanCode;
  includedSeconds: number;
  customers: number;
  periods: number;
  averageShareBp: number | null;
  p50ShareBp: number | null;
  p90ShareBp: number | null;
  overagePeriods: number;
  overageShareBp: number | null;
}

export async function tierUsage(deps: AnalyticsDeps, input: { from: Date; to: Date }): Promise<Result<TierUsage[]>> {
  const bad = checkRange(input.from, input.to);
  if (bad) return bad;
  const rows = await deps.em.getConnection().execute<Record<string, string | null>[]>(
    `with shares as (
       select up.plan_code, up.user_id, up.overage_seconds,
              (up.used_seconds * 10000 * 2 + up.included_seconds) / (2 * up.included_seconds) as share_bp
         from usage_periods up
        where up.period_end >= ? and up.period_end < ? and up.included_seconds > 0
     )
     select pl.code, pl.included_seconds, count(distinct s.user_id) as customers, count(s.user_id) as periods,
            coalesce(sum(s.share_bp), 0) as share_sum,
            percentile_disc(0.5) within group (order by s.share_bp) as p50,
            percentile_disc(0.9) within group (order by s.share_bp) as p90,
            count(s.user_id) filter (where s.overage_seconds > 0) as overage_periods
       from plans pl left join shares s on s.plan_code = pl.code
      group by pl.code, pl.included_seconds, pl.sort_order
      order by pl.sort_order`,
    [input.from, input.to],
  );
  return ok(
    rows.map((r) => {
      const periods = Number(r.periods);
      const overagePeriods = Number(r.overage_periods);
      return {
        planCode: r.code as PlanCode,
        includedSeconds: Number(r.included_seconds),
        customers: Number(r.customers),
        periods,
        averageShareBp: periods === 0 ? null : divRound(Number(r.share_sum), periods),
        p50ShareBp: r.p50 === null ? null : Number(r.p50),
        p90ShareBp: r.p90 === null ? null : Number(r.p90),
        overagePeriods,
        overageShareBp: ratioBp(overagePeriods, periods),
      };
    }),
  );
}
