// Calls one ledger function in one round trip and turns its business failures (SQLSTATE VPB01,
// raised before anything is committed) into typed results.
//
// Every call waits for a lock — its user's row, held by another transaction — at most
// limits.usageLockWaitMsMax (lock_timeout, set in the same statement for its transaction only: no
// extra round trip). After that the call fails with SQLSTATE 55P03, nothing written, which the API
// answers as SERVICE_UNAVAILABLE (retry with the same idempotency key).
//
// The call goes to a pooled pg connection of the entity manager's pool directly, with a cached
// statement text ($1…$n), not through the query builder: this is the hot path of every usage, and
// the builder's per-call compilation was a third of the Node CPU spent on it.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient, QueryResult } from 'pg';
import { limits } from '../../config/limits';
import { fail, isErrorCode, ok, type Result } from '../../shared/errors';
import { writeAudit, type AuditDraft } from '../audit/audit';
import type { LedgerEvents, UsageAlertView } from '../ports';
import { toBalance } from './views';

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

/** The one bounded lock wait of a ledger call, for its transaction only (with an audit entry: until its commit). */
export const BOUNDED_WAIT = `from (select set_config('lock_timeout', '${limits.usageLockWaitMsMax}ms', true)) as bounded_wait`;

const statements = new Map<string, string>();

function statementFor(fn: string, arity: number): string {
  const key = `${fn}/${arity}`;
  let sql = statements.get(key);
  if (!sql) {
    if (!/^vp_[a-z_]+$/.test(fn)) throw new Error(`not a ledger function: ${fn}`);
    // the bound is set first (a FROM subquery with a volatile function runs before the target list)
    sql = `select ${fn}(${Array.from({ length: arity }, (_, i) => `$${i + 1}`).join(', ')}) as r ${BOUNDED_WAIT}`;
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

export interface CallDeps {
  em: Em;
  events?: LedgerEvents;
}

/**
 * Runs `select fn($1, …)` and returns its jsonb answer, or the typed failure it raised. The call
 * commits on its own, so what it answers is committed: a balance in the answer (and any usage
 * alerts it raised) is published then, never before. With `audit`, the call and the audit entry
 * built from its answer commit in one transaction (a replay's entry is deduplicated by its key).
 */
export async function callLedger<T>(
  deps: CallDeps, fn: string, params: unknown[], field?: string, audit?: (answer: T) => AuditDraft,
): Promise<Result<T>> {
  const client = deps.em.getConnection().getKnex().client as unknown as KnexClient;
  const conn = await client.acquireConnection();
  let res: QueryResult<{ r: T }>;
  try {
    // a change by hand commits together with its audit entry (billing rules §10), or not at all
    if (audit) await conn.query('begin');
    res = await conn.query<{ r: T }>(statementFor(fn, params.length), params);
    if (audit) {
      await writeAudit({ query: async (sql, p) => (await conn.query(sql, p)).rows }, audit(res.rows[0]!.r));
      await conn.query('commit');
    }
  } catch (err) {
    if (audit) await conn.query('rollback').catch(() => undefined);
    const e = err as PgError;
    if (e.code === BUSINESS_FAILURE_SQLSTATE && e.message && isErrorCode(e.message)) return businessFailure(e.message, e.detail, field);
    throw err;
  } finally {
    await client.releaseConnection(conn);
  }
  return answered(deps, res.rows[0]!.r);
}

/** A business failure a ledger function raised (VPB01: the code, and details as JSON), as a typed result. */
export function businessFailure(code: string, detailText: string | null | undefined, field?: string): Result<never> {
  if (!isErrorCode(code)) throw new Error(`ledger function failed with an unknown code: ${code}`);
  const detail = detailOf({ detail: detailText ?? undefined });
  const at = typeof detail?.field === 'string' ? detail.field : field;
  return fail(code, at, detail);
}

/** A committed answer: its balance and alerts are published, then it is returned. */
export function answered<T>(deps: CallDeps, answer: T): Result<T> {
  if (deps.events) publish(deps.events, answer as Record<string, unknown>);
  return ok(answer);
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function publish(events: LedgerEvents, answer: Json): void {
  const balance = answer?.balance ?? (answer && 'version' in answer && 'balanceSeconds' in answer ? answer : null);
  if (balance) events.balanceChanged(toBalance(balance));
  const alerts = answer?.alerts as Json[] | undefined;
  if (alerts?.length) {
    events.usageAlerts(alerts.map((a): UsageAlertView => ({ ...(a as UsageAlertView), createdAt: new Date(a.createdAt) })));
  }
}
