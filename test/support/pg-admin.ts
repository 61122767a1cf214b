import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';

/** The server the tests run against; each test file gets its own database on it. */
export const TEST_PG_BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
/**
 * Names of this run's databases: by default unique to this checkout (a hash of its path), so two
 * checkouts' test runs on one Postgres never drop each other's databases; VP_TEST_DB_PREFIX overrides.
 */
export const TEST_DB_PREFIX =
  process.env.VP_TEST_DB_PREFIX ??
  `vp_t_${createHash('sha256')
    .update(resolve(__dirname, '..', '..'))
    .digest('hex')
    .slice(0, 8)}`;
export const TEMPLATE_DB = `${TEST_DB_PREFIX}_template`;
export const FILE_DB_PREFIX = `${TEST_DB_PREFIX}_f_`;

export function dbUrl(name: string): string {
  return `${TEST_PG_BASE_URL}/${name}`;
}

export async function withAdmin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: dbUrl('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
