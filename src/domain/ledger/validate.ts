// Input checks shared by the ledger use cases. They run before any database call, so bad input
// costs nothing and writes nothing.
import { limits } from '../../config/limits';
import { ErrorCode, fail, type Failure } from '../../shared/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Printable ASCII without spaces; "~" at the start is kept for keys the service makes itself.
const KEY = /^[!-}][!-~]*$/;

export type Check = Failure | null;

/** No lone UTF-16 surrogates (String.prototype.isWellFormed, spelled out for the ES2022 typings). */
function isWellFormed(v: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(v);
}

export function checkId(value: unknown, field: string, notFound: ErrorCode): Check {
  return typeof value === 'string' && UUID.test(value) ? null : fail(notFound, field);
}

export function checkSeconds(value: unknown, field = 'seconds', { allowZero = false } = {}): Check {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(ErrorCode.INVALID_SECONDS, field);
  if (value < (allowZero ? 0 : 1) || value > limits.secondsPerOperationMax) return fail(ErrorCode.INVALID_SECONDS, field);
  return null;
}

export function checkKey(value: unknown, field = 'idempotencyKey'): Check {
  if (typeof value !== 'string' || value.length < 1 || value.length > limits.idempotencyKeyLengthMax || !KEY.test(value)) {
    return fail(ErrorCode.INVALID_IDEMPOTENCY_KEY, field);
  }
  return null;
}

export function checkTtl(value: unknown, field = 'ttlSeconds'): Check {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail(ErrorCode.INVALID_TTL, field);
  if (value < limits.holdTtlSecondsMin || value > limits.holdTtlSecondsMax) return fail(ErrorCode.INVALID_TTL, field);
  return null;
}

export function checkText(value: unknown, field: string, lengthMax: number): Check {
  if (value === undefined || value === null) return null;
  // well-formed Unicode only (no lone surrogates, which would be stored as U+FFFD), no control characters
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (typeof value !== 'string' || value.length > lengthMax || !isWellFormed(value) || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) {
    return fail(ErrorCode.INVALID_ARGUMENT, field);
  }
  return null;
}

export function checkDate(value: unknown, field: string, code: ErrorCode = ErrorCode.INVALID_ARGUMENT): Check {
  if (value === undefined || value === null) return null;
  // years 1 to 9999: what both JavaScript's ISO form and Postgres read the same way
  return value instanceof Date && !Number.isNaN(value.getTime()) && value.getUTCFullYear() >= 1 && value.getUTCFullYear() <= 9999 ? null : fail(code, field);
}

/** The first failing check, or null when all pass. */
export function firstFailure(...checks: Check[]): Check {
  for (const c of checks) if (c) return c;
  return null;
}

/**
 * Stable text of an operation and its parameters: a key replayed with other parameters is refused.
 * JSON-encoded, so no value can imitate a separator.
 */
export function fingerprint(operation: string, params: Record<string, string | number | boolean | null | undefined>): string {
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k] ?? null]);
  return `${operation}:${JSON.stringify(sorted)}`;
}
