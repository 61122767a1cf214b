import { Migration } from '@mikro-orm/migrations';

// The membership history is append-only by the same function as the audit log and the consent
// history (src/db/sql/util/vp_append_only.sql, which now also defines its triggers): its own copy,
// vp_membership_changes_append_only, is dropped with its triggers here, and migrate() recreates
// them on vp_append_only right after the migrations (that file changed). Same message, same code.
export class Migration20261203000241_one_append_only_rule extends Migration {
  override async up(): Promise<void> {
    this.addSql('drop function if exists vp_membership_changes_append_only() cascade;');
  }

  override async down(): Promise<void> {
    // nothing: vp_append_only keeps guarding membership_changes
  }
}
