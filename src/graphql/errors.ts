// Top-level errors: only for unauthenticated, forbidden, malformed, rate-limited or crashed
// requests (billing rules §7). Each carries extensions.code and the HTTP status we answer with;
// business failures are userErrors in the payload instead.
import { GraphQLError } from 'graphql';
import type { UserError as DomainUserError } from '../shared/errors';
import type { UserError } from './types/objects';

export const TopLevelCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

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

export function unauthenticated(message = 'Authentication required: send "Authorization: Bearer <token>" or "x-api-key".'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: TopLevelCode.UNAUTHENTICATED, http: { status: 401 } } });
}

export function forbidden(message = 'You may not do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: TopLevelCode.FORBIDDEN, http: { status: 403 } } });
}

export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: TopLevelCode.BAD_USER_INPUT, http: { status: 400 } } });
}

/** The database is away for a moment (isTransient): 503 with retry-after, before any operation ran. */
export function serviceUnavailable(): GraphQLError {
  return new GraphQLError('The service is unavailable for a moment; retry with the same idempotency key.', {
    extensions: { code: TopLevelCode.SERVICE_UNAVAILABLE, retryAfterSeconds: 1, http: { status: 503, headers: new Map([['retry-after', '1']]) } },
  });
}

export function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many requests; retry in ${retryAfterSeconds} s.`, {
    extensions: {
      code: TopLevelCode.RATE_LIMITED,
      retryAfterSeconds,
      http: { status: 429, headers: new Map([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

export function toUserErrors(e: DomainUserError): UserError[] {
  return [{ code: e.code, field: e.field ?? null, message: e.message }];
}
