// Several processes starting at once on a database that does not exist yet: every one creates it
// (or finds it created) and migrates it (or finds it migrated); none fails.
import { randomBytes } from 'node:crypto';
import { createOrm, ensureDatabase, migrate } from '../../src/db/orm';
import { migrationsList } from '../../src/db/migrations';
import { dbUrl, FILE_DB_PREFIX, withAdmin } from '../support/pg-admin';

it('creates and migrates a missing database from several starters at once', async () => {
  const name = `${FILE_DB_PREFIX}race_${randomBytes(4).toString('hex')}`;
  const url = dbUrl(name);
  try {
    const results = await Promise.allSettled(
      Array.from({ length: 4 }, async () => {
        await ensureDatabase(url);
        const orm = await createOrm({ databaseUrl: url, poolMax: 2 });
        try {
          return await migrate(orm);
        } finally {
          await orm.close(true);
        }
      }),
    );
    const failures = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    expect(applied.sort()).toEqual(migrationsList.map((m) => m.name).sort());
  } finally {
    await withAdmin((c) => c.query(`drop database if exists ${name} with (force)`));
  }
}, 60_000);
