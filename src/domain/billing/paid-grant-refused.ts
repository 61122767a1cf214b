import type { Logger } from '../../observability/logger';
import { ErrorCode, type UserError } from '../../shared/errors';
import { GrantRefused, PermanentFailure } from './failures';

/**
 * A paid grant the ledger refused. BALANCE_LIMIT_EXCEEDED cannot be fixed by retrying (the customer
 * paid for more than the largest balance leaves room for): the event fails at once, with an error
 * line for an operator, who refunds the payment or makes room and retries the event. Anything else
 * is thrown for the usual retries.
 */
export function paidGrantRefused(deps: { logger: Logger }, what: string, object: string, userId: string, error: UserError): Error {
  const message = `${what} failed: ${error.code}`;
  if (error.code !== ErrorCode.BALANCE_LIMIT_EXCEEDED) return new GrantRefused(message, error.code);
  deps.logger.error(
    { userId, stripeObject: object, code: error.code, ...error.details },
    `${what} refused: it would pass the largest balance; nothing granted, the event is failed without retries (refund the payment or adjust the balance, then retry the event)`,
  );
  return new PermanentFailure(`${message} (${object}: would pass the largest balance; an operator must refund or make room)`, error.code);
}
