-- Frozen DDL of Migration20261124000030_gdpr_audit, part 2 of 2: erasure requests and export links.
-- The append-only triggers are in src/db/sql/util/vp_append_only.sql.
-- One erasure per user (Art. 17). Each step records when it was done, so a rerun after a crash
-- does only what is left.
create table erasure_requests (
  user_id uuid primary key references users (id),
  requested_by uuid,
  requested_by_role text not null check (requested_by_role in ('USER', 'SERVICE', 'ADMIN', 'SYSTEM')),
  requested_at timestamptz not null default statement_timestamp(),
  status text not null default 'PENDING' check (status in ('PENDING', 'COMPLETED')),
  attempts integer not null default 0 check (attempts >= 0),
  subscriptions_canceled_at timestamptz,
  customer_deleted_at timestamptz,
  completed_at timestamptz,
  last_error text check (length(last_error) <= 1000),
  check ((status = 'COMPLETED') = (completed_at is not null))
);
create index erasure_requests_pending on erasure_requests (requested_at) where status = 'PENDING';

-- Short-lived links to download a user's data (Art. 15/20); only the SHA-256 of the token is kept.
create table data_exports (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id),
  requested_by uuid,
  requested_by_role text not null check (requested_by_role in ('USER', 'SERVICE', 'ADMIN', 'SYSTEM')),
  token_hash char(64) not null unique,
  expires_at timestamptz not null,
  created_at timestamptz not null default statement_timestamp(),
  downloaded_at timestamptz
);
create index data_exports_user on data_exports (user_id);

alter table users add column erased_at timestamptz;
