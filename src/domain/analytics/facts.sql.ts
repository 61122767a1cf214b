// The SQL facts every revenue and margin figure is built from, as CTEs over a `p` row
// (from_at, to_at, user_id) that the caller declares first, so each query has one parameter list.
//
// Revenue of [from, to) — there is no payments table, so it is read from what the ledger keeps:
// - membership fees: every usage period that was paid (it has its PLAN grant, given once per paid
//   period) at its plan's price, counted at the period's start; an upgraded period at the price it
//   was paid at first plus each paid proration (from the upgrade grants);
// - overage: the period's overage cents (fixed at close; for a period still open, the cost so far
//   within its cap), counted with the period, at its start;
// - top-ups: the amount paid (kept in the PURCHASE entry's metadata) of top-up grants made in range.
// Usage of [from, to): the rollup's days whose local start (user's time zone) lies in the range.

/** Overage cents of a usage_periods row `up` joined with its plan `pl`. */
export const PERIOD_OVERAGE_CENTS = `coalesce(up.overage_cents,
  least(vp_overage_cents(up.overage_seconds, up.overage_cents_per_minute), coalesce(up.overage_limit_cents, pl.price_cents)))`;

export const PAYING_STATUSES = `('ACTIVE', 'PAST_DUE')`;

/** The parameter row: from, to (null: unbounded on that side), and a user (null for all users). */
export const PARAMS_CTE = `p as (select coalesce(?::timestamptz, '-infinity') as from_at, coalesce(?::timestamptz, 'infinity') as to_at,
  ?::uuid as user_id)`;

const userFilter = (oneUser: boolean, col: string) => (oneUser ? `and ${col} = p.user_id` : '');

/** period_revenue (user_id, plan_code, membership_cents, overage_cents) and topup_revenue (user_id, plan_code, cents). */
export function revenueCtes(oneUser: boolean): string {
  const user = (col: string) => userFilter(oneUser, col);
  return `
  upgrades as (
    -- an upgraded period: the price it was paid at first, and each paid proration (the difference of
    -- the prices for the time left, as the provider prorates it), from the upgrade grants' entries
    select g.period_id,
           (array_agg(pf.price_cents order by e.created_at, e.id))[1] as first_price_cents,
           sum(round((pt.price_cents - pf.price_cents)
                     * extract(epoch from (up.period_end - least(greatest((e.metadata ->> 'changedAt')::timestamptz, up.period_start), up.period_end)))
                     / extract(epoch from (up.period_end - up.period_start))))::bigint as proration_cents
      from p, credit_grants g
      join usage_periods up on up.id = g.period_id
      join ledger_entries e on e.id = g.entry_id
      join plans pf on pf.code = e.metadata ->> 'fromPlanCode'
      join plans pt on pt.code = e.metadata ->> 'planCode'
     where g.source = 'PLAN' and g.idempotency_key like '~upgrade:%' ${user('g.user_id')}
     group by g.period_id
  ), period_revenue as (
    select up.user_id, up.plan_code,
           case when exists (select 1 from credit_grants g where g.period_id = up.id and g.source = 'PLAN' and g.idempotency_key like '~plan:%')
                then coalesce(u.first_price_cents, pl.price_cents) else 0 end + coalesce(u.proration_cents, 0) as membership_cents,
           ${PERIOD_OVERAGE_CENTS} as overage_cents
      from p, usage_periods up join plans pl on pl.code = up.plan_code
      left join upgrades u on u.period_id = up.id
     where up.period_start >= p.from_at and up.period_start < p.to_at ${user('up.user_id')}
  ), topup_revenue as (
    select g.user_id, coalesce(pp.plan_code, ms.plan_code, 'NONE') as plan_code,
           coalesce((e.metadata ->> 'amountCents')::bigint, 0) as cents
      from p, credit_grants g
      join ledger_entries e on e.id = g.entry_id
      left join usage_periods pp on pp.user_id = g.user_id and g.created_at >= pp.period_start and g.created_at < pp.period_end
      left join memberships ms on ms.user_id = g.user_id
     where g.source = 'PURCHASE' and g.idempotency_key like '~topup:%'
       and g.created_at >= p.from_at and g.created_at < p.to_at ${user('g.user_id')}
  )`;
}

/**
 * usage_in_range (user_id, plan_code, calls, used_seconds, billed_seconds) from the rollups: per
 * user (time zones differ) the days [first_day, end_day) are split into the whole local months
 * inside (read from usage_monthly) and the days of the partial months at both edges (usage_daily),
 * each read by its primary key range.
 */
export function usageCte(oneUser: boolean): string {
  const user = (col: string) => userFilter(oneUser, col);
  return `
  usage_bounds as materialized (
    select x.*, (date_trunc('month', (x.first_day - 1)::timestamp) + interval '1 month')::date as full_from,
           date_trunc('month', x.end_day::timestamp)::date as full_to
      from (select u.id as user_id, vp_first_local_day(p.from_at, u.time_zone) as first_day,
                   vp_first_local_day(p.to_at, u.time_zone) as end_day
              from p, users u where true ${user('u.id')}) x
  ), usage_in_range as (
    select b.user_id, r.plan_code, sum(r.calls)::bigint as calls, sum(r.used_seconds)::bigint as used_seconds,
           sum(r.billed_seconds)::bigint as billed_seconds
      from usage_bounds b
      cross join lateral (
        select d.plan_code, d.calls, d.used_seconds, d.billed_seconds from usage_daily d
         where d.user_id = b.user_id and d.day >= b.first_day and d.day < least(b.full_from, b.end_day)
        union all
        select m.plan_code, m.calls, m.used_seconds, m.billed_seconds from usage_monthly m
         where m.user_id = b.user_id and m.month >= b.full_from and m.month < b.full_to
        union all
        select d.plan_code, d.calls, d.used_seconds, d.billed_seconds from usage_daily d
         where d.user_id = b.user_id and d.day >= greatest(b.full_from, b.full_to) and d.day < b.end_day
      ) r
     group by 1, 2
  )`;
}

/** All of it: facts (user_id, plan_code, membership_cents, overage_cents, topup_cents, used_seconds, calls). */
export function factsCtes(oneUser: boolean): string {
  return `${revenueCtes(oneUser)}, ${usageCte(oneUser)},
  facts as (
    select user_id, plan_code, membership_cents, overage_cents, 0::bigint as topup_cents, 0::bigint as used_seconds,
           0::bigint as calls
      from period_revenue
    union all
    select user_id, plan_code, 0, 0, cents, 0, 0 from topup_revenue
    union all
    select user_id, plan_code, 0, 0, 0, used_seconds, calls from usage_in_range
  )`;
}

/**
 * Each paying customer's MRR at the moment given by the single parameter: the state is the last
 * membership change before that moment; paying = ACTIVE or PAST_DUE; MRR = the plan's monthly price
 * plus trailing overage (overage cents of the customer's periods that ended in the month before).
 */
export const MRR_AT_SQL = `
  with t as (select ?::timestamptz as at),
  state as (
    select distinct on (c.user_id) c.user_id, c.plan_code, c.status
      from t, membership_changes c
     where c.effective_at < t.at
     order by c.user_id, c.effective_at desc, c.id desc
  )
  select s.user_id, s.plan_code, pl.price_cents as membership_cents,
         coalesce((select sum(${PERIOD_OVERAGE_CENTS})
                     from usage_periods up join plans pl on pl.code = up.plan_code
                    where up.user_id = s.user_id and up.period_end > t.at - interval '1 month' and up.period_end <= t.at), 0)
           as usage_cents
    from t, state s join plans pl on pl.code = s.plan_code
   where s.status in ${PAYING_STATUSES}`;
