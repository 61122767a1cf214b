import { Migration } from '@mikro-orm/migrations';

// API keys (billing rules §8): shown once, stored only as a SHA-256 hash beside a visible prefix,
// revocable. A key acts as its user with the key's role (USER or SERVICE).
export class Migration20261124000003_api_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table api_keys (
        id uuid primary key default gen_random_uuid(),
        user_id uuid not null references users (id),
        role text not null check (role in ('USER', 'SERVICE')),
        name text not null check (length(name) between 1 and 100),
        prefix text not null unique check (length(prefix) between 8 and 32),
        secret_hash char(64) not null unique,
        created_by uuid not null references users (id),
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      create index api_keys_user on api_keys (user_id, created_at);
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists api_keys;');
  }
}
