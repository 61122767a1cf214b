// Calls one ledger function in one round trip and turns its business failures (SQLSTATE VPB01,
// raised before anything is committed) into typed results.
import type { EntityManager } from '@mikro-orm/postgresql';
import { fail, isErrorCode, ok, type Result } from '../../shared/errors';

export type Em = EntityManager;

export const BUSINESS_FAILURE_SQLSTATE = 'VPB01';

function sqlState(err: unknown): string | undefined {
  const e = err as { code?: string; sqlState?: string; previous?: { code?: string } };
  return e?.code ?? e?.sqlState ?? e?.previous?.code;
}

function pgMessage(err: unknown): string {
  const e = err as { previous?: { message?: string }; message?: string };
  // pg's own error carries the bare message; MikroORM's wrapper prefixes the SQL.
  const raw = e?.previous?.message ?? e?.message ?? '';
  return raw.split(' - ').pop()!.trim();
}

function pgDetail(err: unknown): Record<string, unknown> | undefined {
  const e = err as { detail?: string; previous?: { detail?: string } };
  const d = e?.detail ?? e?.previous?.detail;
  if (!d) return undefined;
  try {
    return JSON.parse(d) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Runs `select fn(?, …)` and returns its jsonb answer, or the typed failure it raised. */
export async function callLedger<T>(em: Em, fn: string, params: unknown[], field?: string): Promise<Result<T>> {
  const placeholders = params.map(() => '?').join(', ');
  try {
    const rows = await em.getConnection().execute<{ r: T }[]>(`select ${fn}(${placeholders}) as r`, params, 'all');
    return ok(rows[0]!.r);
  } catch (err) {
    if (sqlState(err) === BUSINESS_FAILURE_SQLSTATE) {
      const code = pgMessage(err);
      if (isErrorCode(code)) return fail(code, field, pgDetail(err));
    }
    throw err;
  }
}
