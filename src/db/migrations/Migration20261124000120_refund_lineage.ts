import { Migration } from '@mikro-orm/migrations';

// A REFUND entry's lineage points at the REFUND grants it created (it pointed at the usage's grants).
//
// The function it wrote now lives in src/db/sql/refunds/vp_refund_usage.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000120_refund_lineage extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    // no older body is kept: a body is rolled back by editing its file in src/db/sql/
  }
}
