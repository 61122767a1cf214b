-- Frozen DDL of Migration20261124000030_gdpr_audit, part 1 of 2: the audit log and the consent history.
-- The append-only triggers are in src/db/sql/util/vp_append_only.sql.
create table audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default statement_timestamp(),
  -- null for the system (jobs); no foreign key: an ADMIN token may act before its user row exists
  actor_id uuid,
  actor_role text not null check (actor_role in ('USER', 'SERVICE', 'ADMIN', 'SYSTEM')),
  action text not null check (action ~ '^[A-Z][A-Z_]{2,63}$'),
  target_user_id uuid,
  -- the object acted on (a transaction, key, event, consent record id)
  subject_id text check (length(subject_id) <= 255),
  before jsonb,
  after jsonb,
  -- one entry per effect: a replayed request (same idempotency key) writes no second entry; the
  -- SHA-256 of the key, since a client-chosen key could hold anything
  dedupe_key char(64)
);
create unique index audit_log_dedupe on audit_log (action, coalesce(target_user_id::text, ''), dedupe_key)
  where dedupe_key is not null;
create index audit_log_target on audit_log (target_user_id, id) where target_user_id is not null;
create index audit_log_actor on audit_log (actor_id, id) where actor_id is not null;
create index audit_log_action on audit_log (action, id);
create index audit_log_time on audit_log (occurred_at);

-- Consent history: every grant and revocation is a row; the current state of a purpose is its
-- newest row. Policy version and source are short codes, not free text.
create table consent_records (
  id bigint generated always as identity primary key,
  user_id uuid not null references users (id),
  purpose text not null check (purpose in ('VOICE_PROCESSING', 'VOICE_RECORDING', 'VOICE_TRAINING')),
  granted boolean not null,
  policy_version text not null check (policy_version ~ '^[A-Za-z0-9._-]{1,32}$'),
  source text not null check (source ~ '^[A-Za-z0-9._:-]{1,64}$'),
  recorded_by uuid,
  recorded_by_role text not null check (recorded_by_role in ('USER', 'SERVICE', 'ADMIN', 'SYSTEM')),
  created_at timestamptz not null default statement_timestamp()
);
create index consent_records_user on consent_records (user_id, purpose, id);
