// Which failures of the database or its connection pass (a retry with the same idempotency key
// answers them): the API answers them SERVICE_UNAVAILABLE with retry-after, jobs retry them.

/** Postgres conditions that pass: a deadlock or serialization failure left after our own retries, a lock wait over its bound, a database that is restarting or out of connections, a lost connection. */
const TRANSIENT_SQLSTATES = new Set(['40P01', '40001', '55P03', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
/** MikroORM's names for the same conditions (its DriverException subclasses). */
const TRANSIENT_NAMES = new Set(['KnexTimeoutError', 'UsageQueueFullError', 'DeadlockException', 'LockWaitTimeoutException', 'ConnectionException']);

/**
 * Whether an error is a passing condition of the database or its connection, not a bug: the
 * request changed nothing that a retry with the same idempotency key would not answer.
 */
export function isTransient(err: unknown): boolean {
  type Cause = { code?: unknown; sqlState?: unknown; name?: unknown; message?: unknown; cause?: unknown; previous?: unknown };
  for (let e = err as Cause | undefined, depth = 0; e && typeof e === 'object' && depth < 4; e = (e.cause ?? e.previous) as Cause | undefined, depth++) {
    for (const code of [e.code, e.sqlState]) {
      if (typeof code === 'string' && (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code))) return true;
    }
    // no pooled connection in time (also as MikroORM renames it), too many recordUsage calls waiting
    if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
    if (typeof e.message === 'string' && /^Connection terminated|Timeout acquiring a connection/.test(e.message)) return true;
  }
  return false;
}
