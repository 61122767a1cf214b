import { Migration } from '@mikro-orm/migrations';

// One lock of the head row: vp_lock_head (src/db/sql/entries/vp_lock_head.sql) locks it and fails for
// an unknown user, for vp_lock_user and vp_record_usage alike; vp_settle now takes the head row its
// caller has just locked instead of reading it again, so its old signature is dropped here.
// migrate() creates the new one right after the migrations (its file changed). Same answers, same codes.
export class Migration20261204000243_one_head_lock extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      drop function if exists vp_settle(uuid, timestamptz);
    `);
  }

  override async down(): Promise<void> {
    // nothing: a body is rolled back by editing its file in src/db/sql/
  }
}
