-- Frozen DDL of Migration20261124000001_schema, part 2 of 6: the balance heads and the usage periods.
-- Tables only; the functions and triggers are in src/db/sql/.
-- One row per user: the head of the user's ledger. Every credit-moving operation locks this row
-- first, which serializes a user's operations across all processes.
create table credit_balances (
  user_id uuid primary key references users (id),
  balance_seconds bigint not null default 0 check (balance_seconds >= 0),
  reserved_seconds bigint not null default 0 check (reserved_seconds >= 0),
  version bigint not null default 0 check (version >= 0),
  last_sequence bigint not null default 0 check (last_sequence >= 0),
  last_hash char(64) not null default repeat('0', 64),
  updated_at timestamptz not null default now()
) with (fillfactor = 70);

create table usage_periods (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  membership_id uuid not null references memberships (id),
  plan_code text not null references plans (code),
  period_start timestamptz not null,
  period_end timestamptz not null,
  included_seconds bigint not null check (included_seconds >= 0),
  used_seconds bigint not null default 0 check (used_seconds >= 0),
  overage_seconds bigint not null default 0 check (overage_seconds >= 0),
  over_cap_seconds bigint not null default 0 check (over_cap_seconds >= 0 and over_cap_seconds <= overage_seconds),
  overage_cents_per_minute bigint not null check (overage_cents_per_minute > 0),
  status text not null default 'OPEN' check (status in ('OPEN', 'CLOSED')),
  expired_seconds bigint check (expired_seconds >= 0),
  rollover_seconds bigint check (rollover_seconds >= 0),
  overage_limit_cents bigint check (overage_limit_cents >= 0),
  overage_cents bigint check (overage_cents >= 0),
  currency char(3) not null default 'EUR',
  closed_at timestamptz,
  created_at timestamptz not null default now(),
  unique (user_id, period_start),
  check (period_end > period_start),
  check ((status = 'CLOSED') = (closed_at is not null and overage_cents is not null))
);
create index usage_periods_open_end on usage_periods (period_end) where status = 'OPEN';
