// Searches every text and JSON column of every table in the public schema for personal values,
// as the erasure's acceptance test requires; and downloads an export.
import type { Em } from '../../src/db/em';

export interface Hit {
  table: string;
  column: string;
  value: string;
}

/** Every (table, column, value) where a value occurs, case-insensitively, in a text, JSON or array column. */
export async function findPersonalData(em: Em, values: string[]): Promise<Hit[]> {
  const conn = em.getConnection();
  const columns = await conn.execute<{ table_name: string; column_name: string }[]>(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE'
        and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY') or c.udt_name = 'citext')
      order by 1, 2`,
  );
  if (columns.length < 20) throw new Error(`only ${columns.length} text columns found: the scan is not looking where it should`);
  const hits: Hit[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    for (const value of values) {
      const [r] = await conn.execute<{ n: string }[]>(`select count(*) as n from "${table}" where strpos(lower("${column}"::text), lower(?)) > 0`, [value]);
      if (Number(r!.n) > 0) hits.push({ table, column, value });
    }
  }
  return hits;
}

/** GETs an export link (relative to the API's origin); answers the status and the text. */
export async function download(graphqlUrl: string, path: string): Promise<{ status: number; text: string; contentType: string | null }> {
  const res = await fetch(new URL(path, graphqlUrl));
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}
