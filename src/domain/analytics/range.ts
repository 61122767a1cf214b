// Time ranges of analytics queries: [from, to), checked once, with the defaults in one place.
import { limits } from '../../config/limits';
import { ErrorCode, fail, type Failure } from '../../shared/errors';

export interface TimeRange {
  from: Date;
  to: Date;
}

/** A valid date Postgres can hold as a timestamptz we query with (years 1 to 9999). */
const isDate = (d: unknown): d is Date => d instanceof Date && !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999;

/** A failure when the range is malformed, reversed or longer than analyticsRangeDaysMax. */
export function checkRange(from: unknown, to: unknown): Failure | null {
  if (!isDate(from)) return fail(ErrorCode.INVALID_ARGUMENT, 'from');
  if (!isDate(to)) return fail(ErrorCode.INVALID_ARGUMENT, 'to');
  if (to.getTime() <= from.getTime()) return fail(ErrorCode.INVALID_ARGUMENT, 'to', { reason: 'to must be after from' });
  if (to.getTime() - from.getTime() > limits.analyticsRangeDaysMax * 86_400_000) {
    return fail(ErrorCode.INVALID_ARGUMENT, 'to', { reason: `at most ${limits.analyticsRangeDaysMax} days` });
  }
  return null;
}

/** The month before `now` (calendar month in UTC) when a query is asked without a range. */
export function defaultRange(now: Date, from?: Date | null, to?: Date | null): TimeRange {
  const end = to ?? now;
  if (from) return { from, to: end };
  const start = new Date(end.getTime());
  start.setUTCMonth(start.getUTCMonth() - 1);
  return { from: start, to: end };
}
