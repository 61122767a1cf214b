-- Frozen DDL of Migration20261124000001_schema, part 4 of 6: the credit grants.
-- Tables only; the functions and triggers are in src/db/sql/.
create table credit_grants (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  source text not null check (source in ('PLAN', 'ROLLOVER', 'PURCHASE', 'BONUS', 'REFUND', 'ADJUSTMENT')),
  granted_seconds bigint not null check (granted_seconds > 0),
  remaining_seconds bigint not null check (remaining_seconds >= 0 and remaining_seconds <= granted_seconds),
  expires_at timestamptz,
  reference text,
  idempotency_key text not null,
  period_id uuid references usage_periods (id),
  entry_id uuid not null references ledger_entries (id),
  refund_of_entry_id uuid references ledger_entries (id),
  created_at timestamptz not null,
  expired_at timestamptz,
  -- what was left when it expired (written off by an EXPIRY entry)
  expired_seconds bigint check (expired_seconds >= 0),
  unique (user_id, idempotency_key),
  check (expired_seconds is null or expired_seconds <= granted_seconds)
) with (fillfactor = 70);
-- A paid period is granted once, whoever asks: the PLAN key names the subscription and period.
create unique index credit_grants_plan_once on credit_grants (idempotency_key) where source = 'PLAN';
-- No index mentions remaining_seconds, so consuming a grant is a HOT update (no index writes).
create index credit_grants_user_expiry on credit_grants (user_id, expires_at);
create index credit_grants_expiry on credit_grants (expires_at) where expires_at is not null;
create index credit_grants_period on credit_grants (period_id) where period_id is not null;
