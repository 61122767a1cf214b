import { MikroORM, type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { Client } from 'pg';
import type { DatabaseTls } from '../config/env';
import { poolOf } from './em';
import { pgSsl, withoutTlsParams } from './pg-options';
import { entities } from './entities';
import { migrationsList, RENAMED_MIGRATIONS } from './migrations';
import { loadSqlSources } from './sql';

export type Orm = MikroORM;

export interface DbOptions {
  databaseUrl: string;
  poolMax: number;
  debug?: boolean;
  /** TLS to the server (DATABASE_URL's sslmode and DATABASE_SSL_CA); plain when absent. */
  tls?: DatabaseTls;
}

export { pgSsl, withoutTlsParams };

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

export function ormOptions(opts: DbOptions): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: withoutTlsParams(opts.databaseUrl),
    driverOptions: { connection: { ssl: pgSsl(opts.tls) } },
    entities,
    extensions: [Migrator],
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    pool: { min: 0, max: opts.poolMax },
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    debug: opts.debug ?? false,
    allowGlobalContext: false,
    ensureDatabase: false,
    forceUtcTimezone: true,
  };
}

const TLS_FAILURE = /SSL|TLS|certificate|self[- ]signed|altnames/i;

function describeTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

/** One actionable line for an operator when Postgres cannot be reached. */
export function unreachableMessage(url: string, err: unknown): string {
  const reason = err instanceof Error ? err.message : String(err);
  if (TLS_FAILURE.test(reason)) {
    return `Postgres at ${describeTarget(url)} refused the TLS connection (${reason}). Check sslmode in DATABASE_URL and DATABASE_SSL_CA.`;
  }
  return (
    `Postgres at ${describeTarget(url)} cannot be reached (${reason}). ` +
    `Start it (e.g. "pg_ctlcluster --skip-systemctl-redirect 15 main start") or set DATABASE_URL.`
  );
}

/** Creates the database named in the URL when it does not exist (local and test convenience). */
export async function ensureDatabase(url: string, tls?: DatabaseTls): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`DATABASE_URL names an unusual database "${name}"`);
  const admin = new URL(withoutTlsParams(url));
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000, ssl: pgSsl(tls) });
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseUnreachableError(unreachableMessage(url, err));
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database "${name}"`).catch((err: { code?: string }) => {
        // created meanwhile by another process: 42P04, or 23505 when both inserted the catalog row at once
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  } finally {
    await client.end();
  }
}

export async function createOrm(opts: DbOptions): Promise<Orm> {
  try {
    const orm = await MikroORM.init(ormOptions(opts));
    await orm.em.getConnection().execute('select 1');
    return orm;
  } catch (err) {
    if (isConnectionError(err)) throw new DatabaseUnreachableError(unreachableMessage(opts.databaseUrl, err));
    throw err;
  }
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  const msg = err instanceof Error ? err.message : '';
  return (
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', '3D000', '28P01', '28000'].includes(code) ||
    /ECONNREFUSED|timeout|does not exist/i.test(msg) ||
    TLS_FAILURE.test(msg)
  );
}

type LockConnection = { query(sql: string, params?: unknown[]): Promise<unknown> };

/**
 * Applies the files of src/db/sql whose content changed since they were last applied (all of them
 * on a fresh database), in the manifest's order, in one transaction; returns their names.
 */
async function applySqlSources(conn: LockConnection): Promise<string[]> {
  const sources = loadSqlSources();
  await conn.query('begin');
  try {
    const { rows } = (await conn.query('select name, sha256 from sql_sources')) as { rows: { name: string; sha256: string }[] };
    const applied = new Map(rows.map((r) => [r.name, r.sha256]));
    const changed = sources.filter((s) => applied.get(s.name) !== s.sha256);
    for (const s of changed) {
      await conn.query(s.text);
      await conn.query(
        `insert into sql_sources (name, sha256) values ($1, $2)
         on conflict (name) do update set sha256 = excluded.sha256, applied_at = now()`,
        [s.name, s.sha256],
      );
    }
    // a file removed from the manifest leaves no record (what it defined is dropped by a migration)
    await conn.query('delete from sql_sources where name <> all($1::text[])', [sources.map((s) => s.name)]);
    await conn.query('commit');
    return changed.map((s) => s.name);
  } catch (err) {
    await conn.query('rollback');
    throw err;
  }
}

/**
 * Rewrites the names a database recorded for migrations renamed since (RENAMED_MIGRATIONS), so
 * the migrator finds them applied and runs nothing twice. MikroORM records a migration's name
 * without its file extension; older records may carry one.
 */
async function recordRenamedMigrations(conn: LockConnection, table: string): Promise<void> {
  const { rows } = (await conn.query('select to_regclass($1) is not null as present', [table])) as { rows: { present: boolean }[] };
  if (!rows[0]?.present) return;
  for (const [oldName, newName] of Object.entries(RENAMED_MIGRATIONS)) {
    await conn.query(`update ${table} set name = $1 where name = any($2::text[])`, [newName, [oldName, `${oldName}.js`, `${oldName}.ts`]]);
  }
}

/**
 * Applies pending migrations, then the changed ledger SQL files (src/db/sql); returns the names of
 * the migrations applied. Safe to run from several processes.
 */
export async function migrate(orm: Orm): Promise<string[]> {
  // Serialize concurrent migrators (several API and worker processes starting together). The lock
  // is held by one connection taken from the pool for the whole run: a session lock taken and freed
  // through the pool could land on different connections and never be released.
  const client = poolOf(orm.em);
  const holder = await client.acquireConnection();
  try {
    await holder.query('select pg_advisory_lock(727274)');
    try {
      await recordRenamedMigrations(holder, orm.config.get('migrations').tableName ?? 'mikro_orm_migrations');
      const applied = await orm.getMigrator().up();
      await applySqlSources(holder);
      return applied.map((m) => m.name);
    } finally {
      await holder.query('select pg_advisory_unlock(727274)');
    }
  } finally {
    await client.releaseConnection(holder);
  }
}
export type { Em } from './em';
