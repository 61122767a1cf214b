// What handling a stored Stripe event needs (the webhook worker's and the reconciliation's deps).
import type { Stripe } from './client';
import type { Em } from '../db/em';
import type { LedgerEvents } from '../domain/ports';
import type { Logger } from '../observability/logger';
import type { Clock } from '../shared/clock';

export interface ProcessDeps {
  em: Em;
  clock: Clock;
  events: LedgerEvents;
  logger: Logger;
  prices: Record<string, string>;
  purchaseExpiryDays: number;
  stripe: Stripe;
}

export { PermanentFailure as PermanentWebhookError } from '../domain/billing/failures';
