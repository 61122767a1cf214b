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

/**
 * Whether an error is a passing condition of the database or its connection, not a bug: the
 * request changed nothing that a retry with the same idempotency key would not answer.
 */
export function isTransient(err: unknown): boolean {
  for (let e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code)) return true;
    if (e.name === 'KnexTimeoutError') return true; // no pooled connection came in time
    if (e.name === 'UsageQueueFullError') return true; // too many recordUsage calls wait in this process
    if (typeof e.message === 'string' && /^Connection terminated/.test(e.message)) return true;
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
