import { Migration } from '@mikro-orm/migrations';

// The largest balance (billing rules §4): 2^31 − 1 seconds, limits.balanceSecondsMax. Every entry
// that adds seconds goes through vp_append (grants of every source — plan, upgrade, bonus, purchase,
// rollover, adjustment — through vp_insert_grant, and refunds directly), so the check lives there:
// an entry that would take the balance past the largest one raises BALANCE_LIMIT_EXCEEDED, which
// rolls the whole call back (nothing written). Entries that take seconds away are never refused
// by it, so a balance above the limit from before this migration can still be used.
//
// vp_close_period caps a rollover by the room left under the largest balance instead of failing:
// the rollover is no request anyone can retry smaller, and a period must close (its overage is
// billed); the unused seconds that do not fit have expired already.
//
// vp_adjust (a negative adjustment) takes no seconds that active holds have promised: it is refused
// with INSUFFICIENT_CREDITS past balance − reserved (the available balance), not only past zero.
//
// The functions it wrote now live in src/db/sql/entries/vp_balance_seconds_max.sql, src/db/sql/entries/vp_append.sql, src/db/sql/periods/vp_close_period.sql, src/db/sql/entries/vp_adjust.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000170_balance_limit extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    // no older body is kept: a body is rolled back by editing its file in src/db/sql/
  }
}
