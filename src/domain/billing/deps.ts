import type { Logger } from '../../observability/logger';
import type { Clock } from '../../shared/clock';
import type { Em } from '../../db/em';
import type { LedgerEvents } from '../ports';

/** What the use cases applying payment-provider events need. */
export interface PaymentEventDeps {
  em: Em;
  clock: Clock;
  events: LedgerEvents;
  logger: Logger;
}
