// Calls one ledger function in one round trip and turns its business failures (SQLSTATE VPB01,
// raised before anything is committed) into typed results.
//
// The call goes to a pooled pg connection of the entity manager's pool directly, with a cached
// statement text ($1…$n), not through the query builder: this is the hot path of every usage, and
// the builder's per-call compilation was a third of the Node CPU spent on it.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient, QueryResult } from 'pg';
import { fail, isErrorCode, ok, type Result } from '../../shared/errors';

export type Em = EntityManager;

export const BUSINESS_FAILURE_SQLSTATE = 'VPB01';

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
}

interface KnexClient {
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(c: PoolClient): Promise<unknown>;
}

const statements = new Map<string, string>();

function statementFor(fn: string, arity: number): string {
  const key = `${fn}/${arity}`;
  let sql = statements.get(key);
  if (!sql) {
    if (!/^vp_[a-z_]+$/.test(fn)) throw new Error(`not a ledger function: ${fn}`);
    sql = `select ${fn}(${Array.from({ length: arity }, (_, i) => `$${i + 1}`).join(', ')}) as r`;
    statements.set(key, sql);
  }
  return sql;
}

function detailOf(err: PgError): Record<string, unknown> | undefined {
  if (!err.detail) return undefined;
  try {
    return JSON.parse(err.detail) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Runs `select fn($1, …)` and returns its jsonb answer, or the typed failure it raised. */
export async function callLedger<T>(em: Em, fn: string, params: unknown[], field?: string): Promise<Result<T>> {
  const client = em.getConnection().getKnex().client as unknown as KnexClient;
  const conn = await client.acquireConnection();
  let res: QueryResult<{ r: T }>;
  try {
    res = await conn.query<{ r: T }>(statementFor(fn, params.length), params);
  } catch (err) {
    const e = err as PgError;
    if (e.code === BUSINESS_FAILURE_SQLSTATE && e.message && isErrorCode(e.message)) {
      return fail(e.message, field, detailOf(e));
    }
    throw err;
  } finally {
    await client.releaseConnection(conn);
  }
  return ok(res.rows[0]!.r);
}
