// Top-level errors: only for unauthenticated, forbidden, malformed, rate-limited or crashed
// requests (billing rules §7). Each carries extensions.code and the HTTP status we answer with;
// business failures are userErrors in the payload instead.
import { GraphQLError } from 'graphql';
import type { UserError as DomainUserError } from '../shared/errors';
import type { UserError } from './types/objects';

/** Moved to the database layer (src/db/transient.ts); kept here so imports of it still resolve. */

export const TopLevelCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  RATE_LIMITED: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

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
