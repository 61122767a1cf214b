import { Migration } from '@mikro-orm/migrations';
import { readDbFiles } from '../sql';

// The tables of the credit ledger, with the database enforcing what must never happen:
// negative balances, grants below zero or above their size, zero ledger amounts, wrong signs,
// and any UPDATE, DELETE or TRUNCATE of a ledger row (src/db/sql/entries/vp_ledger_immutable.sql). Plans are seeded here (billing rules §2).
export class Migration20261124000001_schema extends Migration {
  override async up(): Promise<void> {
    for (const sql of readDbFiles('migrations/sql/0001_schema', SCHEMA_FILES)) this.addSql(sql);
    this.addSql(SEED_PLANS_SQL);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists usage_alerts, idempotency_records, usage_records, reservations,
        ledger_entries, credit_grants, usage_periods, credit_balances, memberships, users, plans cascade;
      drop function if exists vp_ledger_immutable() cascade;
    `);
  }
}

/** The frozen DDL, by concern, in the order it runs (later tables reference earlier ones). */
const SCHEMA_FILES = [
  '01_plans_users_memberships.sql',
  '02_balances_periods.sql',
  '03_ledger_entries.sql',
  '04_credit_grants.sql',
  '05_reservations_usage_records.sql',
  '06_alerts_idempotency.sql',
];

const SEED_PLANS_SQL = `
insert into plans (code, name, price_cents, included_seconds, overage_cents_per_minute, usage_increment_seconds,
                   rollover_max_seconds, support, analytics, features, sort_order) values
  ('STARTER', 'Starter', 4900, 12000, 30, 1, 0, 'email', 'basic',
   array['basic_ai', 'germany_servers', 'gdpr_compliance'], 1),
  ('BUSINESS', 'Business', 14900, 48000, 25, 1, 0, 'priority_chat', 'advanced',
   array['basic_ai', 'germany_servers', 'gdpr_compliance', 'priority_support', 'custom_voice', 'voice_training', 'analytics'], 2),
  ('ENTERPRISE', 'Enterprise', 39900, 150000, 20, 1, 0, 'dedicated_manager', 'enterprise',
   array['basic_ai', 'germany_servers', 'gdpr_compliance', 'priority_support', 'custom_voice', 'voice_training', 'analytics',
         'account_manager', 'white_label', 'api_access', 'custom_voice_training'], 3);
`;
