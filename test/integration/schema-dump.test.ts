// The committed schema (schema.sql) is what the migrations and src/db/sql/ build on a fresh
// database. On drift: `npm run db:dump` rewrites the file; review its diff like code.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createOrm, ensureDatabase, migrate } from '../../src/db/orm';
import { dumpSchema, schemaDumpPath } from '../../src/db/schema-dump';
import { dbUrl, FILE_DB_PREFIX, withAdmin } from '../support/pg-admin';

it('a freshly migrated database has exactly the committed schema (schema.sql; npm run db:dump regenerates it)', async () => {
  const name = `${FILE_DB_PREFIX}schema_${randomBytes(4).toString('hex')}`;
  const url = dbUrl(name);
  try {
    await ensureDatabase(url);
    const orm = await createOrm({ databaseUrl: url, poolMax: 2 });
    try {
      await migrate(orm);
    } finally {
      await orm.close(true);
    }
    const committed = readFileSync(schemaDumpPath(), 'utf8');
    expect(await dumpSchema(url)).toBe(committed);
  } finally {
    await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
  }
}, 60_000);
