// Live updates fanned out through Redis, so a change made in any process (API or worker) reaches
// subscribers on every API process. Topics are per user: BALANCE_CHANGED:<userId>, USAGE_ALERT:<userId>.
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from '@graphql-yoga/subscription';
import Redis from 'ioredis';
import type { RedisTls } from '../config/env';
import type { LedgerEvents, UsageAlertView } from '../domain/ports';
import type { BalanceSnapshot } from '../domain/ledger/views';
import type { Logger } from '../observability/logger';

export const Topic = { balance: 'BALANCE_CHANGED', alert: 'USAGE_ALERT' } as const;

/** What travels through Redis (JSON: dates as ISO strings). */
export type BalanceMessage = Omit<BalanceSnapshot, 'updatedAt'> & { updatedAt: string };
export type AlertMessage = Omit<UsageAlertView, 'createdAt'> & { createdAt: string };

type Channels = {
  BALANCE_CHANGED: [userId: string, payload: BalanceMessage];
  USAGE_ALERT: [userId: string, payload: AlertMessage];
};

export type LivePubSub = ReturnType<typeof createPubSub<Channels>>;

/** An in-process pub/sub, for building the schema without Redis (schema printing, tests). */
export function createLocalPubSub(): LivePubSub {
  return createPubSub<Channels>();
}

export interface Live {
  pubSub: LivePubSub;
  events: LedgerEvents;
  /** Redis channels this process listens on (for leak checks). */
  subscriber: Redis;
  close(): Promise<void>;
}

export function eventsFor(pubSub: LivePubSub): LedgerEvents {
  return {
    balanceChanged: (b) => pubSub.publish(Topic.balance, b.userId, { ...b, updatedAt: b.updatedAt.toISOString() }),
    usageAlerts: (alerts) => {
      for (const a of alerts) pubSub.publish(Topic.alert, a.userId, { ...a, createdAt: a.createdAt.toISOString() });
    },
  };
}

export function createLive(redisUrl: string, logger: Logger, tls: RedisTls | null = null): Live {
  // publishing never blocks or throws into a request: a lost live update is repaired by the next one
  // auto-pipelining: the publishes of one tick leave in one write
  const t = tls ? { tls } : {};
  const publisher = new Redis(redisUrl, { ...t, maxRetriesPerRequest: 1, enableOfflineQueue: false, enableAutoPipelining: true });
  const subscriber = new Redis(redisUrl, { ...t, maxRetriesPerRequest: null });
  let warnedAt = 0;
  let closing = false;
  const warn = (err: unknown) => {
    if (!closing && Date.now() - warnedAt > 10_000) {
      warnedAt = Date.now();
      logger.warn({ err: (err as Error).message }, 'live updates: Redis unavailable');
    }
  };
  publisher.on('error', warn);
  subscriber.on('error', warn);
  const publishClient = { publish: (channel: string, message: string) => publisher.publish(channel, message).catch(warn) };
  const eventTarget = createRedisEventTarget({ publishClient: publishClient as unknown as Redis, subscribeClient: subscriber });
  const pubSub = createPubSub<Channels>({ eventTarget });
  return {
    pubSub,
    events: eventsFor(pubSub),
    subscriber,
    async close() {
      closing = true;
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}
