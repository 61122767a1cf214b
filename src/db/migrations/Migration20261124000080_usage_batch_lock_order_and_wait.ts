import { Migration } from '@mikro-orm/migrations';

// The rules of a usage batch's locks and clocks (vp_record_usage_many, the group commit of
// recordUsage): users in the order of their lower-cased id (no deadlock between two batches, one
// user's items in order), each item on the clock of the moment it runs, and a lock wait bounded by
// the caller's lock_timeout (the user's later items fail at once). Formerly named
// Migration20261124000080_usage_batches_review: databases migrated then recorded that name, which
// migrate() maps to this one (RENAMED_MIGRATIONS in ./index.ts).
//
// The function it wrote now lives in src/db/sql/usage/vp_record_usage_many.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000080_usage_batch_lock_order_and_wait extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    // no older body is kept: a body is rolled back by editing its file in src/db/sql/
  }
}
