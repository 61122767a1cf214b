import { Migration } from '@mikro-orm/migrations';

// The ledger engine: every operation that moves credits is one PL/pgSQL function, called in one
// round trip. Each one first locks the user's credit_balances row (serializing that user across
// all processes), settles what is due (expired holds and grants), answers replays from the
// idempotency record, checks, writes, and appends hash-chained ledger entries. A business failure
// raises SQLSTATE VPB01 with the code as message, which rolls the whole call back: a failed call
// changes nothing. The TypeScript use cases validate input first and map VPB01 to typed codes.
//
// Hash chain: hash = sha256(previous hash || canonical form); the canonical form is each field as
// "<utf8 byte length>:<text>" ("~" for null) in a fixed order — see src/domain/ledger/hash.ts,
// which recomputes it independently for verification.
//
// The functions are in src/db/sql/ (current state, applied by migrate()); this migration keeps the
// composite type they share. down() drops every vp_ function and the type.
export class Migration20261124000002_ledger_functions extends Migration {
  override async up(): Promise<void> {
    this.addSql(TYPES_SQL);
  }

  override async down(): Promise<void> {
    this.addSql(`
      do $$ declare f record; begin
        for f in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = current_schema() and p.proname like 'vp\\_%' and p.proname <> 'vp_ledger_immutable' loop
          execute 'drop function ' || f.sig || ' cascade';
        end loop;
      end $$;
      drop type if exists vp_usage_ctx cascade;
    `);
  }
}

const TYPES_SQL = `
create type vp_usage_ctx as (
  increment_seconds bigint,
  overage_eligible boolean,
  period_id uuid,
  rate_cents_per_minute bigint,
  limit_cents bigint,
  overage_max_seconds bigint,
  overage_used_seconds bigint,
  period_included_seconds bigint,
  period_used_seconds bigint,
  -- the earlier request under the caller's idempotency key, if any
  idem_operation text,
  idem_fingerprint text,
  idem_response jsonb,
  -- a hold past its TTL or a grant past its expiry waits to be settled
  due boolean
);
`;
