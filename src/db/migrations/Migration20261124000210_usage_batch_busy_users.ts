import { Migration } from '@mikro-orm/migrations';

// A stuck user never holds back a batch of recordUsage calls (src/domain/ledger/usage-batcher.ts).
// vp_record_usage_batch runs like vp_record_usage_many (user-id order, one subtransaction per item),
// but the caller sets a lock_timeout near zero for it: an item that would wait for a lock — its
// user's row held by another transaction — answers {"busy": true} at once, and so do that user's
// later items in the batch (their order is kept), instead of holding every other item of the batch,
// and the locks they took, for as long as the other transaction lives. The batcher sends the busy
// items again alone, one statement per user, through vp_record_usage_many with the one bounded wait
// (limits.usageLockWaitMsMax). vp_record_usage_many itself is unchanged.
//
// The function it wrote now lives in src/db/sql/usage/vp_record_usage_batch.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000210_usage_batch_busy_users extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists vp_record_usage_batch(jsonb, integer);');
  }
}
