-- Frozen DDL of Migration20261124000001_schema, part 5 of 6: holds and usage records.
-- Tables only; the functions and triggers are in src/db/sql/.
create table reservations (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  status text not null check (status in ('ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED')),
  reserved_seconds bigint not null check (reserved_seconds > 0),
  allowed_seconds bigint not null,
  idempotency_key text not null,
  request_fingerprint text not null,
  ttl_seconds integer not null check (ttl_seconds > 0),
  expires_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  finished_at timestamptz,
  used_seconds bigint check (used_seconds >= 0),
  billed_seconds bigint check (billed_seconds >= 0),
  usage_record_id uuid,
  commit_response jsonb,
  unique (user_id, idempotency_key),
  check (reserved_seconds <= allowed_seconds),
  check ((status = 'COMMITTED') = (used_seconds is not null))
);
create index reservations_active on reservations (user_id, expires_at) where status = 'ACTIVE';
create index reservations_active_due on reservations (expires_at) where status = 'ACTIVE';

-- The facts of every call: what was used, billed, paid with credits, and what became overage.
create table usage_records (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null,
  period_id uuid,
  reservation_id uuid,
  entry_id uuid,
  call_id text,
  description text,
  used_seconds bigint not null check (used_seconds >= 0),
  billed_seconds bigint not null check (billed_seconds >= used_seconds),
  credit_seconds bigint not null check (credit_seconds >= 0),
  overage_seconds bigint not null check (overage_seconds >= 0),
  over_cap_seconds bigint not null default 0 check (over_cap_seconds >= 0),
  uncovered_seconds bigint not null default 0 check (uncovered_seconds >= 0),
  occurred_at timestamptz not null,
  created_at timestamptz not null,
  check (billed_seconds = credit_seconds + overage_seconds + uncovered_seconds)
);
-- Per-user reads of usage come with the analytics rollups (kept off the hot path until then).
