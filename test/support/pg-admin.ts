import { Client } from 'pg';

/** The server the tests run against; each test file gets its own database on it. */
export const TEST_PG_BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
export const TEMPLATE_DB = 'vp_test_template';

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
