// A user's usage projected to the end of the current period from a recency-weighted daily rate
// (exponential weights, half-life FORECAST_HALF_LIFE_DAYS, over the last FORECAST_WINDOW_DAYS
// complete local days since the first usage): the usage and overage (seconds and cents, within
// the cap) expected by the period end, and when the available seconds run out at that rate.
import { ErrorCode, fail, ok, type Result } from '../../shared/errors';
import { asDate } from '../../shared/time';
import { getBalance, type PeriodUsage } from '../ledger/get-balance';
import { overageCents, overageMaxSeconds } from '../ledger/rules';
import { checkId } from '../ledger/validate';
import { nowOf, type AnalyticsDeps } from './deps';
import { catchUpRollups } from './refresh-usage-rollups';
import { forecast, FORECAST_HALF_LIFE_DAYS, FORECAST_WINDOW_DAYS, weightedDailyRate, type ForecastOutput } from './rules';

/** The period's usage so far (getPeriodUsage's fields), the balance, and the forecast. */
export interface UsageForecast extends ForecastOutput, PeriodUsage {
  asOf: Date;
  timeZone: string;
  balanceSeconds: number;
  availableSeconds: number;
  dailyRateSeconds: number;
  /** Complete days the rate is built from (0: no usage before today → rate 0). */
  basisDays: number;
  halfLifeDays: number;
}

type Row = Record<string, string | number | null>;

export async function usageForecast(deps: AnalyticsDeps, input: { userId: string }): Promise<Result<UsageForecast>> {
  const bad = checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  const balance = await getBalance({ em: deps.em, clock: deps.clock }, input.userId);
  if (!balance.ok) return balance;
  await catchUpRollups(deps);
  const now = await nowOf(deps);
  const conn = deps.em.getConnection();
  const [ctx] = await conn.execute<Row[]>(
    `select u.time_zone, to_char((?::timestamptz at time zone u.time_zone)::date, 'YYYY-MM-DD') as today,
            (select to_char(min(d.day), 'YYYY-MM-DD') from usage_daily d where d.user_id = u.id) as first_day,
            ms.status, ms.current_period_start, ms.current_period_end, ms.overage_limit_cents,
            pl.price_cents, pl.included_seconds as plan_included, pl.overage_cents_per_minute,
            up.status as period_status, up.included_seconds, up.used_seconds, up.overage_seconds,
            up.overage_cents_per_minute as period_rate
       from users u
       left join memberships ms on ms.user_id = u.id
       left join plans pl on pl.code = ms.plan_code
       left join usage_periods up on up.user_id = u.id and up.period_start = ms.current_period_start
      where u.id = ?`,
    [now, input.userId],
  );
  if (!ctx) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  const today = ctx.today as string;
  const days = await conn.execute<Row[]>(
    `select to_char(g, 'YYYY-MM-DD') as day, coalesce(sum(d.billed_seconds), 0) as billed
       from generate_series(greatest(?::date - ?::int, coalesce(?::date, ?::date)), ?::date - 1, interval '1 day') g
       left join usage_daily d on d.user_id = ? and d.day = g::date
      group by g order by g`,
    [today, FORECAST_WINDOW_DAYS, ctx.first_day, today, today, input.userId],
  );
  const rate = weightedDailyRate(days.map((d) => Number(d.billed)));
  const start = ctx.current_period_start ? asDate(ctx.current_period_start as string) : null;
  const end = ctx.current_period_end ? asDate(ctx.current_period_end as string) : null;
  const inPeriod = Boolean(start && end && start <= now && now < end);
  const rateCents = Number(ctx.period_rate ?? ctx.overage_cents_per_minute ?? 0);
  const limitCents = ctx.status === null ? 0 : Number(ctx.overage_limit_cents ?? ctx.price_cents);
  const eligible = inPeriod && ctx.status === 'ACTIVE' && (ctx.period_status ?? 'OPEN') === 'OPEN';
  const used = Number(ctx.used_seconds ?? 0);
  const overage = Number(ctx.overage_seconds ?? 0);
  const available = balance.value.availableSeconds;
  const projection = forecast({
    now,
    dailyRateSeconds: rate,
    availableSeconds: available,
    period:
      inPeriod && end
        ? {
            end,
            usedSeconds: used,
            overageSeconds: overage,
            overageEligible: eligible,
            overageMaxSeconds: eligible && rateCents > 0 ? overageMaxSeconds(limitCents, rateCents) : 0,
            rateCentsPerMinute: rateCents,
            limitCents,
          }
        : null,
  });
  return ok({
    userId: input.userId,
    asOf: now,
    timeZone: ctx.time_zone as string,
    periodStart: inPeriod ? start : null,
    periodEnd: inPeriod ? end : null,
    includedSeconds: inPeriod ? Number(ctx.included_seconds ?? ctx.plan_included ?? 0) : 0,
    usedSeconds: inPeriod ? used : 0,
    overageSeconds: inPeriod ? overage : 0,
    overageCents: inPeriod && rateCents > 0 ? overageCents(overage, rateCents, limitCents) : 0,
    balanceSeconds: balance.value.balanceSeconds,
    availableSeconds: available,
    dailyRateSeconds: Math.round(rate),
    basisDays: days.length,
    halfLifeDays: FORECAST_HALF_LIFE_DAYS,
    ...projection,
  });
}
