import { Migration } from '@mikro-orm/migrations';

// Analytics (issue #6): a per-user, per-local-day usage rollup kept up to date by an incremental
// job that reads new usage records by id — nothing is added to the usage hot path — and an
// append-only history of memberships, fed by a trigger, for revenue movements over time.
//
// Why the rollup job is exact although transactions commit out of id order: usage record ids are
// time-ordered (vp_uuid7 at clock_timestamp()), and every ledger function locks the user's
// credit_balances row (which assigns the transaction id) before it makes the record's id. So a
// transaction that had no id when the job looked at pg_stat_activity writes records with ids later
// than that moment, and a transaction that had one is waited for (see vp_refresh_usage_rollups).
export class Migration20261124000020_analytics extends Migration {
  override async up(): Promise<void> {
    this.addSql(ROLLUP_SQL);
    this.addSql(MEMBERSHIP_HISTORY_SQL);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists users_time_zone_changed on users;
      drop trigger if exists memberships_history_insert on memberships;
      drop trigger if exists memberships_history_update on memberships;
      drop index if exists credit_grants_purchase;
      drop table if exists usage_daily, usage_monthly, usage_rollup_state, membership_changes cascade;
      drop function if exists vp_refresh_usage_rollups(integer), vp_rebuild_user_usage_rollup(uuid),
        vp_users_time_zone_changed(), vp_uuid7_floor(timestamptz), vp_first_local_day(timestamptz, text), vp_membership_history(), vp_membership_changes_append_only() cascade;
    `);
  }
}

const ROLLUP_SQL = String.raw`
-- Usage per user, per calendar day in the user's time zone (a DST day has 23 or 25 hours), per plan
-- of the period the usage counted in ('NONE' without a membership). Weeks and months are sums of days.
create table usage_daily (
  user_id uuid not null,
  day date not null,
  plan_code text not null,
  calls bigint not null check (calls > 0),
  used_seconds bigint not null check (used_seconds >= 0),
  billed_seconds bigint not null check (billed_seconds >= 0),
  credit_seconds bigint not null check (credit_seconds >= 0),
  overage_seconds bigint not null check (overage_seconds >= 0),
  over_cap_seconds bigint not null check (over_cap_seconds >= 0),
  uncovered_seconds bigint not null check (uncovered_seconds >= 0),
  -- sum over calls of (overage - over cap) seconds x the period's rate in cents per minute: the
  -- overage cost in 1/60 cent, so a bucket's cents are rounded once (half up) from the exact sum
  overage_cost_sixtieth_cents bigint not null check (overage_cost_sixtieth_cents >= 0),
  primary key (user_id, day, plan_code)
) with (fillfactor = 90);
create index usage_daily_day on usage_daily (day);

-- The same per local calendar month: admin queries over long ranges read whole months here and
-- only the days of the partial months at the edges from usage_daily.
create table usage_monthly (like usage_daily including constraints);
alter table usage_monthly rename column day to month;
alter table usage_monthly add primary key (user_id, month, plan_code);
alter table usage_monthly add check (extract(day from month) = 1);

-- The job's position: every usage record with id <= last_id is in usage_daily, and every record
-- that will ever have an id below the uuid of horizon_at has one <= last_id (once a pass ends
-- without a full batch; a pass that folds in nothing does not store its newer horizon). pending_* is a later moment waiting for the transactions that were open
-- then (pg_stat_activity.backend_xid) to finish before it becomes the next horizon.
create table usage_rollup_state (
  id integer primary key check (id = 1),
  last_id uuid not null,
  horizon_at timestamptz not null,
  pending_at timestamptz,
  pending_xids bigint[],
  records_total bigint not null default 0,
  updated_at timestamptz not null default now()
);
insert into usage_rollup_state (id, last_id, horizon_at) values (1, '00000000-0000-0000-0000-000000000000', '-infinity');

-- The smallest time-ordered id of a millisecond: every vp_uuid7 made before p_at sorts below it.
create function vp_uuid7_floor(p_at timestamptz) returns uuid language sql immutable as $$
  select (lpad(to_hex(floor(extract(epoch from p_at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid
$$;

-- The first calendar day (in p_tz) whose local midnight is at or after p_at: days d with
-- vp_first_local_day(from) <= d < vp_first_local_day(to) are the days that start inside [from, to).
create function vp_first_local_day(p_at timestamptz, p_tz text) returns date language sql immutable as $$
  select case when not isfinite(p_at) then (p_at at time zone p_tz)::date
              else (p_at at time zone p_tz)::date + case when (p_at at time zone p_tz)::time > time '00:00' then 1 else 0 end end
$$;

-- Folds up to p_batch_max new usage records (by id, after last_id, before the safe horizon) into
-- usage_daily, in one transaction with the state row. Runners are serialized by an advisory lock.
-- Returns {consumed, more, lastId, horizonAt, at}; "more" means a full batch, call again; a horizon
-- before "at" means transactions were open at "at" (a pass after they finish moves it there).
create function vp_refresh_usage_rollups(p_batch_max integer) returns jsonb language plpgsql as $$
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
  perform pg_advisory_xact_lock(7215550001);
  -- The moment first, then the transactions open in this database: one that gets its id after
  -- this look writes records with ids after v_now; one that has an id now must finish first.
  v_now := clock_timestamp();
  perform pg_stat_clear_snapshot();
  select coalesce(array_agg(a.backend_xid::text::bigint), '{}') into v_active
    from pg_stat_activity a
   where a.datname = current_database() and a.pid <> pg_backend_pid() and a.backend_xid is not null;
  select * into s from usage_rollup_state where id = 1;  -- the advisory lock serializes passes
  if cardinality(v_active) = 0 then
    v_horizon := v_now;
    s.pending_at := null;
    s.pending_xids := null;
  elsif s.pending_at is not null and not (s.pending_xids && v_active) then
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
  v_horizon := greatest(v_horizon, s.horizon_at);

  with batch as materialized (
    select r.id, r.user_id, r.period_id, r.occurred_at, r.used_seconds, r.billed_seconds, r.credit_seconds,
           r.overage_seconds, r.over_cap_seconds, r.uncovered_seconds
      from usage_records r
     where r.id > s.last_id and r.id < vp_uuid7_floor(v_horizon)
     order by r.id
     limit p_batch_max
  ), agg as (
    select b.user_id, (b.occurred_at at time zone coalesce(u.time_zone, 'Europe/Berlin'))::date as day,
           coalesce(up.plan_code, ms.plan_code, 'NONE') as plan_code,
           count(*) as calls, sum(b.used_seconds) as used_seconds, sum(b.billed_seconds) as billed_seconds,
           sum(b.credit_seconds) as credit_seconds, sum(b.overage_seconds) as overage_seconds,
           sum(b.over_cap_seconds) as over_cap_seconds, sum(b.uncovered_seconds) as uncovered_seconds,
           sum((b.overage_seconds - b.over_cap_seconds) * coalesce(up.overage_cents_per_minute, 0)) as cost
      from batch b
      left join users u on u.id = b.user_id
      left join usage_periods up on up.id = b.period_id
      left join memberships ms on ms.user_id = b.user_id
     group by 1, 2, 3
  ), upsert as (
    insert into usage_daily as d (user_id, day, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
                                  overage_seconds, over_cap_seconds, uncovered_seconds, overage_cost_sixtieth_cents)
    select user_id, day, plan_code, calls, used_seconds, billed_seconds, credit_seconds, overage_seconds,
           over_cap_seconds, uncovered_seconds, cost
      from agg
    on conflict (user_id, day, plan_code) do update set
      calls = d.calls + excluded.calls, used_seconds = d.used_seconds + excluded.used_seconds,
      billed_seconds = d.billed_seconds + excluded.billed_seconds, credit_seconds = d.credit_seconds + excluded.credit_seconds,
      overage_seconds = d.overage_seconds + excluded.overage_seconds,
      over_cap_seconds = d.over_cap_seconds + excluded.over_cap_seconds,
      uncovered_seconds = d.uncovered_seconds + excluded.uncovered_seconds,
      overage_cost_sixtieth_cents = d.overage_cost_sixtieth_cents + excluded.overage_cost_sixtieth_cents
  ), upsert_month as (
    insert into usage_monthly as m (user_id, month, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
                                    overage_seconds, over_cap_seconds, uncovered_seconds, overage_cost_sixtieth_cents)
    select user_id, date_trunc('month', day::timestamp)::date, plan_code, sum(calls), sum(used_seconds), sum(billed_seconds),
           sum(credit_seconds), sum(overage_seconds), sum(over_cap_seconds), sum(uncovered_seconds), sum(cost)
      from agg group by 1, 2, 3
    on conflict (user_id, month, plan_code) do update set
      calls = m.calls + excluded.calls, used_seconds = m.used_seconds + excluded.used_seconds,
      billed_seconds = m.billed_seconds + excluded.billed_seconds, credit_seconds = m.credit_seconds + excluded.credit_seconds,
      overage_seconds = m.overage_seconds + excluded.overage_seconds,
      over_cap_seconds = m.over_cap_seconds + excluded.over_cap_seconds,
      uncovered_seconds = m.uncovered_seconds + excluded.uncovered_seconds,
      overage_cost_sixtieth_cents = m.overage_cost_sixtieth_cents + excluded.overage_cost_sixtieth_cents
  )
  select count(*), (select id from batch order by id desc limit 1) into v_consumed, v_last from batch;

  -- a pass that changes nothing writes nothing (queries run one before they read)
  update usage_rollup_state
     set last_id = coalesce(v_last, s.last_id), horizon_at = v_horizon, pending_at = s.pending_at,
         pending_xids = s.pending_xids, records_total = records_total + v_consumed, updated_at = clock_timestamp()
   where id = 1
     and (v_consumed > 0 or pending_at is distinct from s.pending_at or pending_xids is distinct from s.pending_xids);
  return jsonb_build_object('consumed', v_consumed, 'more', v_consumed >= p_batch_max,
    'lastId', coalesce(v_last, s.last_id), 'horizonAt', v_horizon, 'at', v_now);
end $$;

-- Rebuilds one user's rows from their usage records (up to the job's position), e.g. after the
-- user's time zone changed. Reads usage_records without a per-user index (none on the hot path):
-- a rare, deliberate operation.
create function vp_rebuild_user_usage_rollup(p_user uuid) returns bigint language plpgsql as $$
declare
  v_last uuid;
  v_rows bigint;
begin
  perform pg_advisory_xact_lock(7215550001);
  select last_id into v_last from usage_rollup_state where id = 1;
  delete from usage_daily where user_id = p_user;
  insert into usage_daily (user_id, day, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
                           overage_seconds, over_cap_seconds, uncovered_seconds, overage_cost_sixtieth_cents)
  select r.user_id, (r.occurred_at at time zone coalesce(u.time_zone, 'Europe/Berlin'))::date,
         coalesce(up.plan_code, ms.plan_code, 'NONE'),
         count(*), sum(r.used_seconds), sum(r.billed_seconds), sum(r.credit_seconds), sum(r.overage_seconds),
         sum(r.over_cap_seconds), sum(r.uncovered_seconds),
         sum((r.overage_seconds - r.over_cap_seconds) * coalesce(up.overage_cents_per_minute, 0))
    from usage_records r
    left join users u on u.id = r.user_id
    left join usage_periods up on up.id = r.period_id
    left join memberships ms on ms.user_id = r.user_id
   where r.user_id = p_user and r.id <= v_last
   group by 1, 2, 3;
  get diagnostics v_rows = row_count;
  delete from usage_monthly where user_id = p_user;
  insert into usage_monthly (user_id, month, plan_code, calls, used_seconds, billed_seconds, credit_seconds,
                             overage_seconds, over_cap_seconds, uncovered_seconds, overage_cost_sixtieth_cents)
  select user_id, date_trunc('month', day::timestamp)::date, plan_code, sum(calls), sum(used_seconds), sum(billed_seconds),
         sum(credit_seconds), sum(overage_seconds), sum(over_cap_seconds), sum(uncovered_seconds), sum(overage_cost_sixtieth_cents)
    from usage_daily where user_id = p_user group by 1, 2, 3;
  return v_rows;
end $$;

create function vp_users_time_zone_changed() returns trigger language plpgsql as $$
begin
  perform vp_rebuild_user_usage_rollup(new.id);
  return null;
end $$;
create trigger users_time_zone_changed after update of time_zone on users
  for each row when (old.time_zone is distinct from new.time_zone) execute function vp_users_time_zone_changed();
`;

const MEMBERSHIP_HISTORY_SQL = String.raw`
-- Every change of a membership's plan, status, cancellation or period, whoever writes it (Stripe
-- mirror, plan changes, admin): the facts revenue movements (new, expansion, contraction, churn)
-- are computed from. effective_at is the Stripe event's time when the change came with a newer
-- one, else the time of the change. No personal data: ids, plan codes, statuses and times.
create table membership_changes (
  id bigint generated always as identity primary key,
  membership_id uuid not null,
  user_id uuid not null,
  kind text not null check (kind in ('CREATED', 'UPGRADE', 'DOWNGRADE', 'STATUS', 'CANCEL_AT_PERIOD_END', 'PERIOD')),
  plan_code text not null,
  previous_plan_code text,
  status text not null,
  previous_status text,
  cancel_at_period_end boolean not null,
  current_period_start timestamptz,
  current_period_end timestamptz,
  effective_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
create index membership_changes_user on membership_changes (user_id, effective_at, id);
create index membership_changes_effective on membership_changes (effective_at);

create function vp_membership_changes_append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'VPB02';
end $$;
create trigger membership_changes_no_update_delete before update or delete on membership_changes
  for each row execute function vp_membership_changes_append_only();
create trigger membership_changes_no_truncate before truncate on membership_changes
  for each statement execute function vp_membership_changes_append_only();

create function vp_membership_history() returns trigger language plpgsql as $$
declare
  v_kind text;
  v_at timestamptz;
  v_old_price bigint;
  v_new_price bigint;
begin
  if tg_op = 'INSERT' then
    v_kind := 'CREATED';
    v_at := coalesce(new.stripe_event_at, now());
  else
    if new.plan_code is distinct from old.plan_code then
      select price_cents into v_old_price from plans where code = old.plan_code;
      select price_cents into v_new_price from plans where code = new.plan_code;
      v_kind := case when v_new_price >= v_old_price then 'UPGRADE' else 'DOWNGRADE' end;
    elsif new.status is distinct from old.status then
      v_kind := 'STATUS';
    elsif new.cancel_at_period_end is distinct from old.cancel_at_period_end then
      v_kind := 'CANCEL_AT_PERIOD_END';
    else
      v_kind := 'PERIOD';
    end if;
    v_at := case when new.stripe_event_at is not null and new.stripe_event_at is distinct from old.stripe_event_at
                 then new.stripe_event_at else now() end;
  end if;
  insert into membership_changes (membership_id, user_id, kind, plan_code, previous_plan_code, status, previous_status,
    cancel_at_period_end, current_period_start, current_period_end, effective_at)
  values (new.id, new.user_id, v_kind, new.plan_code, case when tg_op = 'UPDATE' then old.plan_code end, new.status,
    case when tg_op = 'UPDATE' then old.status end, new.cancel_at_period_end, new.current_period_start,
    new.current_period_end, v_at);
  return null;
end $$;
create trigger memberships_history_insert after insert on memberships
  for each row execute function vp_membership_history();
create trigger memberships_history_update after update on memberships
  for each row when (old.plan_code is distinct from new.plan_code or old.status is distinct from new.status
    or old.cancel_at_period_end is distinct from new.cancel_at_period_end
    or old.current_period_start is distinct from new.current_period_start
    or old.current_period_end is distinct from new.current_period_end)
  execute function vp_membership_history();

-- memberships that exist already start their history when they were created
insert into membership_changes (membership_id, user_id, kind, plan_code, status, cancel_at_period_end,
  current_period_start, current_period_end, effective_at)
select id, user_id, 'CREATED', plan_code, status, cancel_at_period_end, current_period_start, current_period_end,
       coalesce(stripe_event_at, created_at)
  from memberships;

-- top-ups (revenue) are found among the grants without reading the ledger
create index credit_grants_purchase on credit_grants (created_at) where source = 'PURCHASE';
`;
