// A migration renamed after what it holds keeps its place in databases migrated under its old
// name: migrate() rewrites the recorded name (RENAMED_MIGRATIONS) before it looks for pending
// migrations, so nothing runs twice and the recorded names are the current ones.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createOrm, ensureDatabase, migrate } from '../../src/db/orm';
import { migrationsList, RENAMED_MIGRATIONS } from '../../src/db/migrations';
import { dbUrl, FILE_DB_PREFIX, withAdmin } from '../support/pg-admin';

async function migrateOnce(url: string): Promise<string[]> {
  const orm = await createOrm({ databaseUrl: url, poolMax: 2 });
  try {
    return await migrate(orm);
  } finally {
    await orm.close(true);
  }
}

it('a database that recorded a migration under its old name migrates cleanly: nothing runs again, the new name is recorded', async () => {
  const renames = Object.entries(RENAMED_MIGRATIONS);
  expect(renames.length).toBeGreaterThan(0);
  const name = `${FILE_DB_PREFIX}renamed_${randomBytes(4).toString('hex')}`;
  const url = dbUrl(name);
  try {
    await ensureDatabase(url);
    await migrateOnce(url);
    const pg = new Client({ connectionString: url });
    await pg.connect();
    try {
      // as a database migrated before the renames recorded them
      for (const [oldName, newName] of renames) {
        const r = await pg.query('update mikro_orm_migrations set name = $1 where name = $2', [oldName, newName]);
        expect(r.rowCount).toBe(1);
      }
      expect(await migrateOnce(url)).toEqual([]);
      const { rows } = await pg.query<{ name: string }>('select name from mikro_orm_migrations order by id');
      expect(rows.map((r) => r.name)).toEqual(migrationsList.map((m) => m.name));
    } finally {
      await pg.end();
    }
  } finally {
    await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
  }
}, 60_000);
