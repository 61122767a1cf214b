-- Folds up to p_batch_max new usage records (by id, after last_id, before the safe horizon) into
-- usage_daily, in one transaction with the state row. Runners are serialized by an advisory lock.
-- Returns {consumed, more, lastId, horizonAt, at}; "more" means a full batch, call again; a horizon
-- before "at" means transactions were open at "at" (a pass after they finish moves it there).
create or replace function vp_refresh_usage_rollups (p_batch_max integer)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_now timestamptz;
  v_active bigint[];
  v_horizon timestamptz;
  v_consumed bigint;
  v_last uuid;
  s usage_rollup_state;
begin
  -- the argument below needs a fresh snapshot per statement
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'vp_refresh_usage_rollups must run in READ COMMITTED';
  end if;
  perform
    pg_advisory_xact_lock(7215550001);
  -- The moment first, then the transactions open in this database: one that gets its id after
  -- this look writes records with ids after v_now; one that has an id now must finish first.
  v_now := clock_timestamp();
  perform
    pg_stat_clear_snapshot();
  select
    coalesce(array_agg(a.backend_xid::text::bigint), '{}') into v_active
  from
    pg_stat_activity a
  where
    a.datname = current_database()
    and a.pid <> pg_backend_pid()
    and a.backend_xid is not null;
  select
    * into s
  from
    usage_rollup_state
  where
    id = 1;
  -- the advisory lock serializes passes
  if cardinality(v_active) = 0 then
    v_horizon := v_now;
    s.pending_at := null;
    s.pending_xids := null;
  elsif s.pending_at is not null
      and not (s.pending_xids && v_active) then
      -- everything open at pending_at has finished (and is visible to the statements below)
      v_horizon := s.pending_at;
    s.pending_at := v_now;
    s.pending_xids := v_active;
  else
    v_horizon := s.horizon_at;
    if s.pending_at is null then
      s.pending_at := v_now;
      s.pending_xids := v_active;
    end if;
  end if;
  v_horizon := greatest (v_horizon, s.horizon_at);

  with batch as materialized (
    select
      r.id,
      r.user_id,
      r.period_id,
      r.occurred_at,
      r.used_seconds,
      r.billed_seconds,
      r.credit_seconds,
      r.overage_seconds,
      r.over_cap_seconds,
      r.uncovered_seconds
    from
      usage_records r
    where
      r.id > s.last_id
      and r.id < vp_uuid7_floor (
        v_horizon
)
    order by
      r.id
    limit p_batch_max
),
agg as (
  select
    b.user_id,
    (b.occurred_at at time zone coalesce(u.time_zone, 'Europe/Berlin'))::date as day,
    coalesce(up.plan_code, ms.plan_code, 'NONE') as plan_code,
  count(*) as calls,
  sum(b.used_seconds) as used_seconds,
  sum(b.billed_seconds) as billed_seconds,
  sum(b.credit_seconds) as credit_seconds,
  sum(b.overage_seconds) as overage_seconds,
  sum(b.over_cap_seconds) as over_cap_seconds,
  sum(b.uncovered_seconds) as uncovered_seconds,
  sum((b.overage_seconds - b.over_cap_seconds) * coalesce(up.overage_cents_per_minute, 0)) as
  cost
from
  batch b
  left join users u on u.id = b.user_id
    left join usage_periods up on up.id = b.period_id
    left join memberships ms on ms.user_id = b.user_id
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
    count(*),
    (
      select
        id
      from
        batch
      order by
        id desc
      limit 1) into v_consumed,
  v_last
from
  batch;
  -- a pass that changes nothing writes nothing (queries run one before they read)
  update
    usage_rollup_state
  set
    last_id = coalesce(v_last, s.last_id),
    horizon_at = v_horizon,
    pending_at = s.pending_at,
    pending_xids = s.pending_xids,
    records_total = records_total + v_consumed,
    updated_at = clock_timestamp()
  where
    id = 1
    and (v_consumed > 0
      or pending_at is distinct from s.pending_at
      or pending_xids is distinct from s.pending_xids);
  return jsonb_build_object('consumed', v_consumed, 'more', v_consumed >= p_batch_max, 'lastId',
    coalesce(v_last, s.last_id), 'horizonAt', v_horizon, 'at', v_now);
end
$function$;
