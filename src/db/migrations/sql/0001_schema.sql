-- Frozen DDL of Migration20261124000001_schema (tables only; the functions and triggers are in src/db/sql/).
create table plans (
  code text primary key check (code in ('STARTER', 'BUSINESS', 'ENTERPRISE')),
  name text not null,
  price_cents bigint not null check (price_cents >= 0),
  currency char(3) not null default 'EUR',
  included_seconds bigint not null check (included_seconds >= 0),
  overage_cents_per_minute bigint not null check (overage_cents_per_minute > 0),
  usage_increment_seconds integer not null default 1 check (usage_increment_seconds between 1 and 3600),
  rollover_max_seconds bigint not null default 0 check (rollover_max_seconds >= 0),
  support text not null,
  analytics text not null,
  features text[] not null,
  sort_order integer not null,
  created_at timestamptz not null default now()
);

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254),
  role text not null default 'USER' check (role in ('USER', 'SERVICE', 'ADMIN')),
  time_zone text not null default 'Europe/Berlin',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_unique on users (lower(email));

create table memberships (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null unique references users (id),
  plan_code text not null references plans (code),
  status text not null check (status in ('INCOMPLETE', 'TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED', 'UNPAID')),
  current_period_start timestamptz,
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  overage_limit_cents bigint check (overage_limit_cents >= 0),
  stripe_customer_id text,
  stripe_subscription_id text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((current_period_start is null) = (current_period_end is null)),
  check (current_period_end > current_period_start)
);

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

-- Tables written on every usage (ledger_entries, usage_records,
-- idempotency_records) carry no foreign keys: a foreign-key check locks the parent row (a WAL
-- record and a dirtied page per check), which would make the WAL, not the work, the bottleneck.
-- Integrity holds by construction: every write goes through a ledger function that has locked the
-- user's credit_balances row (which references users) first, and verifyLedger checks lineage.
create table ledger_entries (
  id uuid primary key,
  user_id uuid not null,
  sequence bigint not null check (sequence > 0),
  type text not null check (type in ('PLAN_GRANT', 'PURCHASE', 'BONUS', 'ROLLOVER', 'USAGE', 'REFUND', 'EXPIRY', 'ADJUSTMENT')),
  amount_seconds bigint not null check (amount_seconds <> 0),
  balance_after_seconds bigint not null check (balance_after_seconds >= 0),
  description text,
  metadata jsonb,
  reference text,
  idempotency_key text,
  created_at timestamptz not null,
  hash char(64) not null,
  unique (user_id, sequence),
  check (
    (type in ('PLAN_GRANT', 'PURCHASE', 'BONUS', 'ROLLOVER', 'REFUND') and amount_seconds > 0)
    or (type in ('USAGE', 'EXPIRY') and amount_seconds < 0)
    or (type = 'ADJUSTMENT')
  )
);
-- Lineage lives in the entries themselves: a debit's metadata.grants lists which grants paid how
-- many seconds (covered by the hash), a REFUND's metadata.refunded what it gave back, and
-- reference names the usage it refunds. Refunds of one usage are found by this index.
create index ledger_entries_refunds on ledger_entries (reference) where type = 'REFUND';
-- Client keys are unique per user in idempotency_records (its primary key); verifyLedger checks
-- that no key has two effects. No second index here: every index on this table is written on the
-- hot path.

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
