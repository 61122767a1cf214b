import { Migration } from '@mikro-orm/migrations';

// An API key's creator is the principal that asked (kept as its id, like audit_log.actor_id), with
// no foreign key: an ADMIN token may act before its user row exists (it creates the first users).
export class Migration20261124000140_api_key_creator extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table api_keys drop constraint if exists api_keys_created_by_fkey;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table api_keys add constraint api_keys_created_by_fkey foreign key (created_by) references users (id) not valid;');
  }
}
