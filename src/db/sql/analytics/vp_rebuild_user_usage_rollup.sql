-- Rebuilds one user's rows from their usage records (up to the job's position), e.g. after the
-- user's time zone changed. Reads usage_records without a per-user index (none on the hot path):
-- a rare, deliberate operation.
create or replace function vp_rebuild_user_usage_rollup (p_user uuid)
  returns bigint
  language plpgsql
  as $function$
declare
  v_last uuid;
  v_rows bigint;
begin
  perform
    pg_advisory_xact_lock(7215550001);
  select
    last_id into v_last
  from
    usage_rollup_state
  where
    id = 1;
  delete from usage_daily
  where user_id = p_user;
  insert into usage_daily (user_id, day, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
    overage_seconds, over_cap_seconds, uncovered_seconds, overage_cost_sixtieth_cents)
  select
    r.user_id,
    (r.occurred_at at time zone coalesce(u.time_zone, 'Europe/Berlin'))::date,
    coalesce(up.plan_code, ms.plan_code, 'NONE'),
    count(*),
    sum(r.used_seconds),
    sum(r.billed_seconds),
    sum(r.credit_seconds),
    sum(r.overage_seconds),
    sum(r.over_cap_seconds),
    sum(r.uncovered_seconds),
    sum((r.overage_seconds - r.over_cap_seconds) * coalesce(up.overage_cents_per_minute, 0))
  from
    usage_records r
  left join users u on u.id = r.user_id
  left join usage_periods up on up.id = r.period_id
  left join memberships ms on ms.user_id = r.user_id
where
  r.user_id = p_user
    and r.id <= v_last
  group by
    1,
    2,
    3;
  get diagnostics v_rows = row_count;
  delete from usage_monthly
  where user_id = p_user;
  insert into usage_monthly (user_id, month, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
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
    sum(overage_cost_sixtieth_cents)
  from
    usage_daily
  where
    user_id = p_user
  group by
    1,
    2,
    3;
  return v_rows;
end
$function$;
