import { FILE_DB_PREFIX, withAdmin } from './pg-admin';

/** Drops the databases test files left behind (a crashed file cannot drop its own). */
export default async function globalTeardown(): Promise<void> {
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `select datname from pg_database where starts_with(datname, $1)`,
      [FILE_DB_PREFIX],
    );
    for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`);
  });
}
