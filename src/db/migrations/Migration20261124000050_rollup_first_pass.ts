import { Migration } from '@mikro-orm/migrations';

// The usage rollup starts with its horizon at -infinity. When its first pass met an open
// transaction (normal under load) it used that horizon as it was, and vp_uuid7_floor('-infinity')
// raised "cannot convert infinity to bigint": the pass rolled back, so under steady load the
// rollup never started and its job failed every interval. The floor of an infinite moment is now
// the smallest or largest id.
//
// The function it wrote now lives in src/db/sql/util/vp_uuid7_floor.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000050_rollup_first_pass extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    // no older body is kept: a body is rolled back by editing its file in src/db/sql/
  }
}
