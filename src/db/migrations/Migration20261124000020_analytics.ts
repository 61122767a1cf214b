import { Migration } from '@mikro-orm/migrations';
import { readDbFiles } from '../sql';

// Analytics: a per-user, per-local-day usage rollup kept up to date by an incremental
// job that reads new usage records by id — nothing is added to the usage hot path — and an
// append-only history of memberships, fed by a trigger, for revenue movements over time.
//
// Why the rollup job is exact although transactions commit out of id order: usage record ids are
// time-ordered (vp_uuid7 at clock_timestamp()), and every ledger function locks the user's
// credit_balances row (which assigns the transaction id) before it makes the record's id. So a
// transaction that had no id when the job looked at pg_stat_activity writes records with ids later
// than that moment, and a transaction that had one is waited for (see vp_refresh_usage_rollups).
export class Migration20261124000020_analytics extends Migration {
  override async up(): Promise<void> {
    for (const sql of readDbFiles('migrations/sql/0020_analytics', ANALYTICS_FILES)) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop trigger if exists users_time_zone_changed on users;
      drop trigger if exists memberships_history_insert on memberships;
      drop trigger if exists memberships_history_update on memberships;
      drop index if exists credit_grants_purchase;
      drop table if exists usage_daily, usage_monthly, usage_rollup_state, membership_changes cascade;
      drop function if exists vp_refresh_usage_rollups(integer), vp_rebuild_user_usage_rollup(uuid),
        vp_users_time_zone_changed(), vp_uuid7_floor(timestamptz), vp_first_local_day(timestamptz, text), vp_membership_history(), vp_membership_changes_append_only() cascade;
    `);
  }
}

/** The frozen DDL, by concern, in the order it runs. */
const ANALYTICS_FILES = ['01_usage_rollups.sql', '02_membership_changes.sql'];
