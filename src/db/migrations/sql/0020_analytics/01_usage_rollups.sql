-- Frozen DDL of Migration20261124000020_analytics, part 1 of 2: the usage rollups and their job's position.
-- The functions and triggers are in src/db/sql/analytics/.
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
