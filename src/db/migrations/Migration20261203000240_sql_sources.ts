import { Migration } from '@mikro-orm/migrations';

// The ledger's functions and triggers live in src/db/sql/ as current-state files; migrate() applies
// a file whenever its sha256 differs from the one recorded here (every file, on a fresh database).
// Migrations keep the tables, indexes, constraints and types, and drop what the files no longer define.
export class Migration20261203000240_sql_sources extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table sql_sources (
        name text primary key,
        sha256 text not null,
        applied_at timestamptz not null default now()
      );
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists sql_sources;');
  }
}
