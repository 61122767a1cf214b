import { Migration } from '@mikro-orm/migrations';

// Group commit for recordUsage: calls that arrive while earlier ones are on their way to the
// database go together in one statement and one transaction (src/domain/ledger/usage-batcher.ts).
// Each item runs vp_record_usage unchanged, inside its own subtransaction: a business failure
// (VPB01) or any other error of one item rolls back that item only and becomes its answer; the
// others commit together. Items are taken in user-id order (ties in arrival order), so two batches
// lock their users in the same order and cannot deadlock each other, and one user's items keep
// their order.
//
// The function it wrote now lives in src/db/sql/usage/vp_record_usage_many.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000060_usage_batches extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists vp_record_usage_many(jsonb, integer);');
  }
}
