-- Folds the given usage records into the rollups: usage_daily per user, calendar day in the user's
-- time zone and plan of the period the usage counted in ('NONE' without a membership), and
-- usage_monthly the same per local calendar month. The overage cost is summed exactly (in 1/60
-- cent) and rounded once when read. Answers how many day rows it wrote. Callers serialize on the
-- rollup's advisory lock (vp_refresh_usage_rollups, vp_rebuild_user_usage_rollup).
create or replace function vp_fold_usage (p_records uuid[])
  returns bigint
  language sql
  as $function$
  with agg as (
    select
      r.user_id,
      (r.occurred_at at time zone coalesce(u.time_zone, 'Europe/Berlin'))::date as day,
      coalesce(up.plan_code, ms.plan_code, 'NONE') as plan_code,
      count(*) as calls,
      sum(r.used_seconds) as used_seconds,
      sum(r.billed_seconds) as billed_seconds,
      sum(r.credit_seconds) as credit_seconds,
      sum(r.overage_seconds) as overage_seconds,
      sum(r.over_cap_seconds) as over_cap_seconds,
      sum(r.uncovered_seconds) as uncovered_seconds,
      sum((r.overage_seconds - r.over_cap_seconds) * coalesce(up.overage_cents_per_minute, 0)) as
      cost
    from
      usage_records r
    left join users u on u.id = r.user_id
    left join usage_periods up on up.id = r.period_id
    left join memberships ms on ms.user_id = r.user_id
  where
    r.id = any (p_records)
  group by
    1,
    2,
    3
),
upsert as (
insert into usage_daily as d (user_id, day, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
  overage_seconds, over_cap_seconds, uncovered_seconds, overage_cost_sixtieth_cents)
  select
    user_id,
    day,
    plan_code,
    calls,
    used_seconds,
    billed_seconds,
    credit_seconds,
    overage_seconds,
    over_cap_seconds,
    uncovered_seconds,
    cost
  from
    agg
  on conflict (user_id,
    day,
    plan_code)
    do update set
      calls = d.calls + excluded.calls,
      used_seconds = d.used_seconds + excluded.used_seconds,
      billed_seconds = d.billed_seconds + excluded.billed_seconds,
      credit_seconds = d.credit_seconds + excluded.credit_seconds,
      overage_seconds = d.overage_seconds + excluded.overage_seconds,
      over_cap_seconds = d.over_cap_seconds + excluded.over_cap_seconds,
      uncovered_seconds = d.uncovered_seconds + excluded.uncovered_seconds,
      overage_cost_sixtieth_cents = d.overage_cost_sixtieth_cents + excluded.overage_cost_sixtieth_cents
    returning
      1
),
upsert_month as (
insert into usage_monthly as m (user_id, month, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
  overage_seconds, over_cap_seconds, uncovered_seconds, overage_cost_sixtieth_cents)
  select
    user_id,
    date_trunc('month', day::timestamp)::date,
    plan_code,
    sum(calls),
    sum(used_seconds),
    sum(billed_seconds),
    sum(credit_seconds),
    sum(overage_seconds),
    sum(over_cap_seconds),
    sum(uncovered_seconds),
    sum(
      cost)
  from
    agg
  group by
    1,
    2,
    3
  on conflict (user_id,
    month,
    plan_code)
    do update set
      calls = m.calls + excluded.calls,
      used_seconds = m.used_seconds + excluded.used_seconds,
      billed_seconds = m.billed_seconds + excluded.billed_seconds,
      credit_seconds = m.credit_seconds + excluded.credit_seconds,
      overage_seconds = m.overage_seconds + excluded.overage_seconds,
      over_cap_seconds = m.over_cap_seconds + excluded.over_cap_seconds,
      uncovered_seconds = m.uncovered_seconds + excluded.uncovered_seconds,
      overage_cost_sixtieth_cents = m.overage_cost_sixtieth_cents + excluded.overage_cost_sixtieth_cents
)
  select
    count(*)
  from
    upsert;
$function$;
