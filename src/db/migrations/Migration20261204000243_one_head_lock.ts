import { Migration } from '@mikro-orm/migrations';

// One lock of the head row: vp_lock_head (src/db/sql/entries/vp_lock_head.sql) locks it and fails for
// an unknown user, for vp_lock_user and vp_record_usage alike; vp_settle now takes the head row its
// caller has just locked instead of reading it again, so its old signature is dropped here; a
// reservation and a period are loaded under their user's lock by one function, vp_lock_row
// (src/db/sql/entries/vp_lock_row.sql), so vp_lock_reservation and vp_lock_period are dropped.
// migrate() creates the new ones right after the migrations (their files changed). Same answers, same codes.
export class Migration20261204000243_one_head_lock extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      drop function if exists vp_settle(uuid, timestamptz);
      drop function if exists vp_lock_reservation(uuid, timestamptz);
      drop function if exists vp_lock_period(uuid, timestamptz);
    `);
  }

  override async down(): Promise<void> {
    // nothing: a body is rolled back by editing its file in src/db/sql/
  }
}
