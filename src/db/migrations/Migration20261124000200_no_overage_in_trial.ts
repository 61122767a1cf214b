import { Migration } from '@mikro-orm/migrations';

// No overage during a trial (billing rules §4): only an ACTIVE membership inside its open period
// may go past its grants. The function is otherwise as migration 0002 wrote it; down() restores
// ACTIVE or TRIALING.
//
// The function it wrote now lives in src/db/sql/usage/vp_usage_context.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000200_no_overage_in_trial extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    // no older body is kept: a body is rolled back by editing its file in src/db/sql/
  }
}
