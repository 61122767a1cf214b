// Failures of the use cases that apply payment-provider events, typed so callers decide by class and
// code, never by reading a message.
import type { ErrorCode } from '../../shared/errors';

/**
 * Retrying cannot fix it (a price of no plan, a paid grant past the largest balance): the event
 * fails at once, without retries, for an operator.
 */
export class PermanentFailure extends Error {
  override name = 'PermanentWebhookError';
  constructor(
    message: string,
    readonly code: ErrorCode | null = null,
  ) {
    super(message);
  }
}

/** The ledger refused a grant an event asked for, with its code; retried like any other failure. */
export class GrantRefused extends Error {
  override name = 'GrantRefused';
  constructor(
    message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
  }
}
