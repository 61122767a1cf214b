// One database transaction on one pooled connection, for the few writes that must commit together
// with their audit entry (billing rules §10). Statements use $1…$n placeholders (pg's own), so
// jsonb operators such as ? need no escaping.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';
import { withConnection } from './em';

export { withConnection };

export interface Tx {
  /** Runs one statement inside the transaction; answers its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * Runs `fn` in BEGIN … COMMIT; anything it throws rolls everything back. A typed failure it
 * returns (a Result with `ok: false`, found inside the transaction) also rolls back, and is
 * answered: a failed operation writes nothing.
 */
export async function withTransaction<T>(
  em: EntityManager,
  fn: (tx: Tx, conn: PoolClient) => Promise<T>,
  opts: { isolation?: 'read committed' | 'repeatable read'; readOnly?: boolean } = {},
): Promise<T> {
  return withConnection(em, async (conn) => {
    const mode = [`isolation level ${opts.isolation ?? 'read committed'}`, opts.readOnly ? 'read only' : 'read write'].join(', ');
    await conn.query(`begin transaction ${mode}`);
    const tx: Tx = { query: async (sql, params = []) => (await conn.query(sql, params)).rows };
    try {
      const out = await fn(tx, conn);
      if (isRollback(out)) await conn.query('rollback');
      else await conn.query('commit');
      return out;
    } catch (err) {
      await conn.query('rollback').catch(() => undefined);
      throw err;
    }
  });
}

function isRollback(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false;
}
