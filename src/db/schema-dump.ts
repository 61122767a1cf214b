// The committed schema (schema.sql at the repository's root, beside schema.graphql): pg_dump --schema-only of a freshly migrated database,
// normalised so that it depends on neither the server's version nor the dump's session. The
// schema-dump test fails when the migrations and the SQL files drift from it; `npm run db:dump`
// rewrites it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { dirname, join } from 'node:path';

const run = promisify(execFile);

/** Where the committed dump lives: schema.sql in the checkout's root (found from src/ or dist/src/). */
export function schemaDumpPath(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    if (dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = dirname(dir);
  }
  return join(dir, 'schema.sql');
}

/**
 * Drops what varies between dumps of the same schema: psql's \restrict keys, SET and set_config
 * lines, comments (pg_dump's table of contents and version banner) and runs of blank lines.
 * Function bodies keep their own comments: only lines that start with "--" at column 0 outside a
 * dollar-quoted body are dropped.
 */
export function normaliseSchemaDump(dump: string): string {
  const out: string[] = [];
  let inBody = false;
  for (const line of dump.split('\n')) {
    const quotes = line.match(/\$[A-Za-z_]*\$/g)?.length ?? 0;
    if (!inBody) {
      if (/^\\(un)?restrict\b/.test(line) || /^SET /.test(line) || /^SELECT pg_catalog\.set_config/.test(line) || /^--/.test(line)) continue;
      if (line === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    }
    out.push(line);
    if (quotes % 2 === 1) inBody = !inBody;
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  return out.join('\n') + '\n';
}

/** The normalised schema of the database at url (pg_dump must be on PATH). */
export async function dumpSchema(url: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', '--dbname', url], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return normaliseSchemaDump(stdout);
}
