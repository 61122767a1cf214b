// The entity manager every use case is given, and the one cast to its pool's pg connections:
// the hot paths (ledger calls, usage batches, transactions with audit entries) run on a pooled pg
// connection directly, not through the query builder.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient } from 'pg';

export type Em = EntityManager;

/** The pool behind an entity manager: knex's client, which hands out pg connections. */
export interface ConnectionPool {
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(c: PoolClient): Promise<unknown>;
}

/** The entity manager's pool (knex does not type its client's connection methods). */
export function poolOf(em: Em): ConnectionPool {
  return em.getConnection().getKnex().client as unknown as ConnectionPool;
}

/** A pooled pg connection of the entity manager's pool, given back however `fn` ends. */
export async function withConnection<T>(em: Em, fn: (conn: PoolClient) => Promise<T>): Promise<T> {
  const pool = poolOf(em);
  const conn = await pool.acquireConnection();
  try {
    return await fn(conn);
  } finally {
    await pool.releaseConnection(conn);
  }
}

/**
 * One statement on a pooled connection, straight through pg (no query builder, no fork needed:
 * any entity manager of the database will do). For the hot reads of the request path.
 */
export async function query<R = Record<string, unknown>>(em: Em, text: string, values: unknown[]): Promise<R[]> {
  return withConnection(em, async (conn) => (await conn.query(text, values)).rows as R[]);
}
