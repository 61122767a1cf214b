import { Migration } from '@mikro-orm/migrations';

// One home each for two rules that had two copies:
// - closing a period: vp_close_period (its end has passed), vp_close_canceled_period (closed now
//   because its membership was cancelled at once, PLAN seconds kept) and vp_end_canceled_period
//   (the same, PLAN seconds expiring now) become vp_close_period with p_early
//   (src/db/sql/periods/vp_close_period.sql); vp_close_canceled_periods and
//   vp_end_canceled_periods become vp_close_canceled_periods with p_expire_now;
// - usage in one statement: vp_record_usage_batch (locked users come back busy) and
//   vp_record_usage_many (locked users fail after the wait) become vp_record_usage_many with
//   p_locked_busy (src/db/sql/usage/vp_record_usage_many.sql).
// The old signatures are dropped here; migrate() creates the new ones right after the migrations
// (their files changed). Same answers, same codes.
export class Migration20261204000242_one_period_close_one_usage_batch extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      drop function if exists vp_end_canceled_periods(uuid, timestamptz);
      drop function if exists vp_end_canceled_period(uuid, timestamptz);
      drop function if exists vp_close_canceled_periods(uuid, timestamptz);
      drop function if exists vp_close_canceled_period(uuid, timestamptz);
      drop function if exists vp_close_period(uuid, timestamptz);
      drop function if exists vp_record_usage_batch(jsonb, integer);
      drop function if exists vp_record_usage_many(jsonb, integer);
    `);
  }

  override async down(): Promise<void> {
    // nothing: a body is rolled back by editing its file in src/db/sql/
  }
}
