-- Frozen DDL of Migration20261124000001_schema, part 3 of 6: the ledger entries.
-- Tables only; the functions and triggers are in src/db/sql/.
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
