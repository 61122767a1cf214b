import { Client } from 'pg';

/** The server the tests run against; each test file gets its own database on it. */
export const TEST_PG_BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
/** Names of this run's databases; set VP_TEST_DB_PREFIX to run two checkouts' tests side by side. */
export const TEST_DB_PREFIX = process.env.VP_TEST_DB_PREFIX ?? 'vp_test';
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
