// One database transaction on one pooled connection, for the few writes that must commit together
// with their audit entry (billing rules §10). Statements use $1…$n placeholders (pg's own), so
// jsonb operators such as ? need no escaping.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';

export interface Tx {
  /** Runs one statement inside the transaction; answers its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

interface KnexClient {
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(c: PoolClient): Promise<unknown>;
}

/** A pooled pg connection of the entity manager's pool, given back however `fn` ends. */
export async function withConnection<T>(em: EntityManager, fn: (conn: PoolClient) => Promise<T>): Promise<T> {
  const client = em.getConnection().getKnex().client as unknown as KnexClient;
  const conn = await client.acquireConnection();
  try {
    return await fn(conn);
  } finally {
    await client.releaseConnection(conn);
  }
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
