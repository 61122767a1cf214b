-- Frozen DDL of Migration20261124000001_schema, part 6 of 6: usage alerts and idempotency records.
-- Tables only; the functions and triggers are in src/db/sql/.
-- Usage alerts (billing rules §9): each kind at most once per user and period, decided here by the
-- unique key, so several processes seeing the same crossing raise it once.
create table usage_alerts (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  period_id uuid not null references usage_periods (id),
  kind text not null check (kind in ('INCLUDED_50', 'INCLUDED_80', 'INCLUDED_100', 'OVERAGE_STARTED',
                                     'OVERAGE_LIMIT_80', 'OVERAGE_LIMIT_100', 'LOW_BALANCE')),
  used_seconds bigint not null,
  included_seconds bigint not null,
  overage_seconds bigint not null,
  balance_seconds bigint not null,
  created_at timestamptz not null,
  unique (user_id, period_id, kind)
);

-- Client-chosen idempotency keys, per user: the request they were first used for and its answer.
create table idempotency_records (
  user_id uuid not null,
  key text not null check (length(key) between 1 and 128),
  operation text not null,
  request_fingerprint text not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);
