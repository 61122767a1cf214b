import type { Principal } from '../auth/authenticate';
import type { Config } from '../config/env';
import type { Em } from '../db/em';
import type { ErasureJobs, LedgerEvents, Payments, WebhookJobs } from '../domain/ports';
import type { Logger } from '../observability/logger';
import type { Clock } from '../shared/clock';
import type { Loaders } from './loaders';

/** Everything a resolver may use; built once per request (or per subscription operation). */
export interface GraphQLContext {
  principal: Principal | null;
  em: Em;
  clock: Clock;
  config: Config;
  logger: Logger;
  requestId: string;
  loaders: Loaders;
  /** Where committed changes are told (live updates). */
  events: LedgerEvents;
  /** The payment provider, or null when Stripe is not configured. */
  payments: Payments | null;
  /** The Stripe event jobs, or null when Stripe is not configured. */
  webhookJobs: WebhookJobs | null;
  /** Where erasure jobs go; null or absent: the worker's sweep picks pending requests up. */
  erasureJobs?: ErasureJobs | null;
  /** Per subscription operation: the newest balance version sent, so a client never goes back. */
  lastVersion?: Map<string, number>;
}
