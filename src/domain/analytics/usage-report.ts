// A user's usage in calendar buckets of their own time zone — days (23 or 25 hours across a DST
// change), ISO weeks (from Monday) or months — read from the daily rollup, never the raw records.
// Every bucket that touches [from, to) is answered whole, empty ones with zeros.
import { limits } from '../../config/limits';
import { ErrorCode, fail, ok, type Result } from '../../shared/errors';
import { asDate } from '../../shared/time';
import { checkId } from '../ledger/validate';
import type { AnalyticsDeps } from './deps';
import { catchUpRollups } from './refresh-usage-rollups';
import { checkRange } from './range';
import { centsFromSixtieths } from './rules';

export const GRANULARITIES = ['DAY', 'WEEK', 'MONTH'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

const UNIT: Record<Granularity, { unit: string; days: number }> = {
  DAY: { unit: 'day', days: 1 },
  WEEK: { unit: 'week', days: 7 },
  MONTH: { unit: 'month', days: 28 },
};

export interface UsageBucket {
  /** The bucket's first local day, YYYY-MM-DD. */
  localDate: string;
  startAt: Date;
  endAt: Date;
  calls: number;
  usedSeconds: number;
  billableSeconds: number;
  creditSeconds: number;
  overageSeconds: number;
  /** Overage cost of the bucket: its billable overage seconds at the period's rate, rounded half up once. */
  overageCents: number;
}

export interface UsageReport {
  userId: string;
  timeZone: string;
  granularity: Granularity;
  from: Date;
  to: Date;
  buckets: UsageBucket[];
  totals: Omit<UsageBucket, 'localDate' | 'startAt' | 'endAt'>;
}

export interface UsageReportInput {
  userId: string;
  granularity: Granularity;
  from: Date;
  to: Date;
}

type Row = Record<string, string | number | null>;

export async function usageReport(deps: AnalyticsDeps, input: UsageReportInput): Promise<Result<UsageReport>> {
  const bad = checkRange(input.from, input.to) ?? checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  if (!GRANULARITIES.includes(input.granularity)) return fail(ErrorCode.INVALID_ARGUMENT, 'granularity');
  const { unit, days } = UNIT[input.granularity];
  const spanDays = (input.to.getTime() - input.from.getTime()) / 86_400_000;
  if (Math.ceil(spanDays / days) + 2 > limits.usageBucketsMax) {
    return fail(ErrorCode.INVALID_ARGUMENT, 'to', { reason: `at most ${limits.usageBucketsMax} buckets` });
  }
  await catchUpRollups(deps);
  const rows = await deps.em.getConnection().execute<Row[]>(
    `with b as (
       select u.time_zone as tz,
              date_trunc('${unit}', (?::timestamptz at time zone u.time_zone))::date as first_bucket,
              date_trunc('${unit}', ((?::timestamptz - interval '1 microsecond') at time zone u.time_zone))::date as last_bucket
         from users u where u.id = ?
     ), buckets as (
       select g::date as bucket from b, generate_series(b.first_bucket, b.last_bucket, interval '1 ${unit}') g
     ), sums as (
       select date_trunc('${unit}', d.day::timestamp)::date as bucket, sum(d.calls) as calls,
              sum(d.used_seconds) as used, sum(d.billed_seconds) as billed, sum(d.credit_seconds) as credit,
              sum(d.overage_seconds) as overage, sum(d.overage_cost_sixtieth_cents) as cost
         from b, usage_daily d
        where d.user_id = ? and d.day >= b.first_bucket and d.day < (b.last_bucket + interval '1 ${unit}')::date
        group by 1
     )
     select b.tz, to_char(k.bucket, 'YYYY-MM-DD') as local_date,
            (k.bucket::timestamp at time zone b.tz) as start_at,
            ((k.bucket + interval '1 ${unit}')::timestamp at time zone b.tz) as end_at,
            coalesce(s.calls, 0) as calls, coalesce(s.used, 0) as used, coalesce(s.billed, 0) as billed,
            coalesce(s.credit, 0) as credit, coalesce(s.overage, 0) as overage, coalesce(s.cost, 0) as cost
       from b cross join buckets k left join sums s on s.bucket = k.bucket
      order by k.bucket`,
    [input.from, input.to, input.userId, input.userId],
  );
  if (rows.length === 0) {
    const exists = await deps.em.getConnection().execute('select 1 from users where id = ?', [input.userId]);
    if (exists.length === 0) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  }
  const buckets = rows.map((r): UsageBucket => ({
    localDate: r.local_date as string,
    startAt: asDate(r.start_at as string),
    endAt: asDate(r.end_at as string),
    calls: Number(r.calls),
    usedSeconds: Number(r.used),
    billableSeconds: Number(r.billed),
    creditSeconds: Number(r.credit),
    overageSeconds: Number(r.overage),
    overageCents: centsFromSixtieths(Number(r.cost)),
  }));
  const totalCost = rows.reduce((n, r) => n + Number(r.cost), 0);
  const sum = (f: (b: UsageBucket) => number) => buckets.reduce((n, b) => n + f(b), 0);
  return ok({
    userId: input.userId,
    timeZone: (rows[0]?.tz as string | undefined) ?? 'Europe/Berlin',
    granularity: input.granularity,
    from: input.from,
    to: input.to,
    buckets,
    totals: {
      calls: sum((b) => b.calls),
      usedSeconds: sum((b) => b.usedSeconds),
      billableSeconds: sum((b) => b.billableSeconds),
      creditSeconds: sum((b) => b.creditSeconds),
      overageSeconds: sum((b) => b.overageSeconds),
      overageCents: centsFromSixtieths(totalCost),
    },
  });
}
