// The ledger's functions and triggers as current-state source: each file under src/db/sql/ holds the one
// definition of one function (CREATE OR REPLACE, plus the triggers that call it). migrate() applies
// the files whose content changed since the last run (sql_sources keeps each file's sha256), after
// the migrations and in one transaction. Listed in dependency order: SQL-language functions are
// checked when created, so a file comes after the functions its SQL-language bodies call.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

export const SQL_SOURCES = [
  // util
  'util/vp_fail.sql',
  'util/vp_uuid7.sql',
  'util/vp_uuid7_floor.sql',
  'util/vp_round_up.sql',
  'util/vp_overage_cents.sql',
  'util/vp_append_only.sql',
  'util/vp_first_local_day.sql',
  'util/vp_notify_changes.sql',
  // entries
  'entries/vp_entry_hash.sql',
  'entries/vp_entry_json.sql',
  'entries/vp_balance_json.sql',
  'entries/vp_balance_seconds_max.sql',
  'entries/vp_insert_entry.sql',
  'entries/vp_append.sql',
  'entries/vp_save_balance.sql',
  'entries/vp_ledger_immutable.sql',
  'grants/vp_grants_left.sql',
  'entries/vp_due.sql',
  'entries/vp_expire_grants.sql',
  'entries/vp_settle.sql',
  'entries/vp_lock_head.sql',
  'entries/vp_lock_user.sql',
  'entries/vp_lock_row.sql',
  'entries/vp_touch_user.sql',
  'entries/vp_read_balance.sql',
  'entries/vp_adjust.sql',
  // idempotency
  'idempotency/vp_idem_answer.sql',
  'idempotency/vp_idem_get.sql',
  'idempotency/vp_idem_put.sql',
  'idempotency/vp_keyed_answer.sql',
  'idempotency/vp_begin.sql',
  // grants
  'grants/vp_consume.sql',
  'grants/vp_insert_grant.sql',
  'grants/vp_grant_json.sql',
  'grants/vp_grant.sql',
  'grants/vp_plan.sql',
  'grants/vp_plan_period.sql',
  'grants/vp_grant_plan.sql',
  'grants/vp_upgrade_period.sql',
  'grants/vp_grant_upgrade.sql',
  'grants/vp_expire_unpaid_renewal.sql',
  // holds
  'holds/vp_reservation_json.sql',
  'holds/vp_hold_answer.sql',
  'holds/vp_reserve.sql',
  'holds/vp_require_active.sql',
  'holds/vp_extend_reservation.sql',
  'holds/vp_end_reservation.sql',
  'holds/vp_commit_reservation.sql',
  'holds/vp_release_reservation.sql',
  // usage
  'usage/vp_overage_max_seconds.sql',
  'usage/vp_usage_context.sql',
  'usage/vp_check_room.sql',
  'usage/vp_usage_alerts.sql',
  'usage/vp_apply_usage.sql',
  'usage/vp_record_usage.sql',
  'usage/vp_record_usage_many.sql',
  // refunds
  'refunds/vp_refund_usage.sql',
  // periods
  'periods/vp_period_close_json.sql',
  'periods/vp_period_expired_seconds.sql',
  'periods/vp_mark_period_closed.sql',
  'periods/vp_close_period.sql',
  'periods/vp_close_canceled_periods.sql',
  // analytics
  'analytics/vp_fold_into.sql',
  'analytics/vp_fold_usage.sql',
  'analytics/vp_refresh_usage_rollups.sql',
  'analytics/vp_rebuild_user_usage_rollup.sql',
  'analytics/vp_users_time_zone_changed.sql',
  'analytics/vp_membership_history.sql',
] as const;

export interface SqlSource {
  name: string;
  text: string;
  sha256: string;
}

/**
 * The directory holding src/db/sql's files. Built code in a checkout (dist/src/db/sql) reads the
 * source tree, so a build by plain tsc, or copies left by an older build, never apply stale SQL;
 * the Docker image (dist/ only) reads the copies that npm run build put next to this module.
 */
export function sqlRoot(): string {
  const here = __dirname;
  if (here.includes(`${sep}dist${sep}`)) {
    const source = join(here, '..', '..', '..', '..', 'src', 'db', 'sql');
    if (existsSync(join(source, SQL_SOURCES[0]))) return source;
  }
  if (existsSync(join(here, SQL_SOURCES[0]))) return here;
  throw new Error(`the ledger's SQL files are missing next to ${here} (run npm run build)`);
}

/** Reads a file relative to src/db (e.g. 'migrations/sql/0001_schema/01_plans_users_memberships.sql'), from wherever sqlRoot() is. */
export function readDbFile(relative: string): string {
  return readFileSync(join(sqlRoot(), '..', relative), 'utf8');
}

/** Reads the named files of a folder relative to src/db, in the order given (a migration's frozen DDL, by concern). */
export function readDbFiles(folder: string, names: readonly string[]): string[] {
  return names.map((name) => readDbFile(`${folder}/${name}`));
}

export function loadSqlSources(): SqlSource[] {
  const root = sqlRoot();
  return SQL_SOURCES.map((name) => {
    const text = readFileSync(join(root, name), 'utf8');
    return { name, text, sha256: createHash('sha256').update(text).digest('hex') };
  });
}
