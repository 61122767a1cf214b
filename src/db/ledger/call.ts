// How TypeScript calls a ledger function: one definition per function (its SQL name, and the SQL
// parameter of each named argument, in the function's order) gives a typed wrapper that builds the
// statement `select vp_x(p_a => $1, p_b => $2) as r from (bounded wait)` once, runs it in one round
// trip, and turns its business failures (SQLSTATE VPB01, raised before anything is committed) into
// typed results.
//
// Every call waits for a lock — its user's row, held by another transaction — at most
// limits.usageLockWaitMsMax (lock_timeout, set in the same statement for its transaction only: no
// extra round trip). After that the call fails with SQLSTATE 55P03, nothing written, which the API
// answers as SERVICE_UNAVAILABLE (retry with the same idempotency key).
//
// The call goes to a pooled pg connection of the entity manager's pool directly, with a cached
// statement text ($1…$n), not through the query builder: this is the hot path of every usage, and
// the builder's per-call compilation was a third of the Node CPU spent on it.
//
// test/integration/ledger-boundary.test.ts holds every definition to the migrated database: its
// parameter names and order (pg_get_function_arguments), and every code vp_fail can raise to ErrorCode.
import type { PoolClient } from 'pg';
import { limits } from '../../config/limits';
import { fail, isErrorCode, ok, type Result } from '../../shared/errors';
import { poolOf, type Em } from '../em';
import type { Tx } from '../transaction';

export const BUSINESS_FAILURE_SQLSTATE = 'VPB01';

/** The bounded lock wait of a statement, for its transaction only (set first: a FROM subquery with a volatile function runs before the target list). */
export const lockWaitClause = (ms: number) => `from (select set_config('lock_timeout', '${ms}ms', true)) as bounded_wait`;

/** The one bounded lock wait of a ledger call (with an audit entry: until its commit). */
export const BOUNDED_WAIT = lockWaitClause(limits.usageLockWaitMsMax);

/** Where a statement runs: a pooled pg connection the caller holds (in its transaction, if it began one). */
export type Queryable = Pick<PoolClient, 'query'>;

/** One SQL parameter: its name in the function, and a cast when pg cannot infer the type. */
export interface LedgerParam {
  arg: string;
  name: string;
  cast?: string;
}

export interface RunOptions {
  /** The statement's lock wait in ms (default limits.usageLockWaitMsMax); null: none (the function bounds its own waits). */
  lockWaitMs?: number | null;
}

export interface CallOptions<R> {
  /** The field a business failure names when its details name none. */
  field?: string;
  /**
   * Runs after the answer, on the call's connection and in its transaction (an audit entry): the
   * call and what it writes commit together, or not at all.
   */
  inTransaction?: (tx: Tx, answer: R) => Promise<unknown>;
}

/**
 * A ledger function, typed: call it with the entity manager and its named arguments; `query` and
 * `attempt` run it on a connection the caller holds (inside the caller's transaction).
 */
export interface LedgerFunction<A, R> {
  (em: Em, args: A, opts?: CallOptions<R>): Promise<Result<R>>;
  /** The SQL function. */
  readonly sqlName: string;
  /** Its parameters, in the function's order. */
  readonly params: readonly LedgerParam[];
  /** The answer, or the pg error (a business failure too) thrown as it is. */
  query(conn: Queryable, args: A, opts?: RunOptions): Promise<R>;
  /** The answer, or its business failure as a typed result; other errors are thrown. */
  attempt(conn: Queryable, args: A, field?: string): Promise<Result<R>>;
  /** The statement text ($1…$n in the parameters' order). */
  statement(opts?: RunOptions): string;
  /** The statement's values, in the parameters' order. */
  values(args: A): unknown[];
}

/** Each argument's SQL parameter name, `name::type` where a cast is needed; in the SQL function's order. */
export type ParamNames<A> = { readonly [K in keyof Required<A>]: string };

/**
 * Defines the typed wrapper of a ledger function. `params` lists, in the function's order, the SQL
 * parameter of every argument; every argument of A must be named (the type says so), and the
 * boundary test compares the names and their order with the migrated database.
 */
export function ledgerFunction<A extends object, R>(sqlName: string, params: ParamNames<A>): LedgerFunction<A, R> {
  if (!/^vp_[a-z0-9_]+$/.test(sqlName)) throw new Error(`not a ledger function: ${sqlName}`);
  const list: LedgerParam[] = Object.entries(params as Record<string, string>).map(([arg, spec]) => {
    const [name, cast] = spec.split('::');
    if (!/^[a-z_][a-z0-9_]*$/.test(name!) || (cast !== undefined && !/^[a-z ]+$/.test(cast))) throw new Error(`bad parameter of ${sqlName}: ${spec}`);
    return cast ? { arg, name: name!, cast } : { arg, name: name! };
  });
  const statements = new Map<number | null, string>();
  const statement = (opts: RunOptions = {}): string => {
    const ms = opts.lockWaitMs === undefined ? limits.usageLockWaitMsMax : opts.lockWaitMs;
    let sql = statements.get(ms);
    if (!sql) {
      const args = list.map((p, i) => `${p.name} => $${i + 1}${p.cast ? `::${p.cast}` : ''}`).join(', ');
      sql = `select ${sqlName}(${args}) as r${ms === null ? '' : ` ${lockWaitClause(ms)}`}`;
      statements.set(ms, sql);
    }
    return sql;
  };
  const values = (args: A): unknown[] => list.map((p) => (args as Record<string, unknown>)[p.arg]);
  const query = async (conn: Queryable, args: A, opts?: RunOptions): Promise<R> => (await conn.query<{ r: R }>(statement(opts), values(args))).rows[0]!.r;
  const attempt = async (conn: Queryable, args: A, field?: string): Promise<Result<R>> => {
    try {
      return ok(await query(conn, args));
    } catch (err) {
      return asBusinessFailure(err, field);
    }
  };
  const call = (em: Em, args: A, opts: CallOptions<R> = {}): Promise<Result<R>> => callOn(em, statement(), values(args), opts);
  return Object.assign(call, { sqlName, params: list, query, attempt, statement, values });
}

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
}

/** A business failure (VPB01 with a known code) as a typed result; anything else is thrown again. */
function asBusinessFailure(err: unknown, field?: string): Result<never> {
  const e = err as PgError;
  if (e.code === BUSINESS_FAILURE_SQLSTATE && e.message && isErrorCode(e.message)) return businessFailure(e.message, e.detail, field);
  throw err;
}

/**
 * Runs one ledger statement on a pooled connection and answers its jsonb, or the typed failure it
 * raised. The call commits on its own, so what it answers is committed. With `inTransaction`, the
 * call and what that writes commit in one transaction.
 */
async function callOn<R>(em: Em, sql: string, params: unknown[], opts: CallOptions<R>): Promise<Result<R>> {
  const pool = poolOf(em);
  const conn = await pool.acquireConnection();
  const inTx = opts.inTransaction;
  try {
    // a change by hand commits together with its audit entry (billing rules §10), or not at all
    if (inTx) await conn.query('begin');
    const res = await conn.query<{ r: R }>(sql, params);
    const answer = res.rows[0]!.r;
    if (inTx) {
      await inTx({ query: async (s, p) => (await conn.query(s, p)).rows }, answer);
      await conn.query('commit');
    }
    return ok(answer);
  } catch (err) {
    if (inTx) await conn.query('rollback').catch(() => undefined);
    return asBusinessFailure(err, opts.field);
  } finally {
    await pool.releaseConnection(conn);
  }
}

function detailOf(detail: string | null | undefined): Record<string, unknown> | undefined {
  if (!detail) return undefined;
  try {
    return JSON.parse(detail) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** A business failure a ledger function raised (VPB01: the code, and details as JSON), as a typed result. */
export function businessFailure(code: string, detailText: string | null | undefined, field?: string): Result<never> {
  if (!isErrorCode(code)) throw new Error(`ledger function failed with an unknown code: ${code}`);
  const detail = detailOf(detailText);
  const at = typeof detail?.field === 'string' ? detail.field : field;
  return fail(code, at, detail);
}
