// Wiring: builds the service from configuration and starts and stops it in order. Roles: `api`
// (HTTP + WebSockets), `worker` (the BullMQ workers and their job schedulers), or both in one
// process (`all`, for local use). Every role publishes live updates through Redis.
import type { Server } from 'node:http';
import type Redis from 'ioredis';
import { createAuthenticator } from '../auth/authenticate';
import type { Config } from '../config/env';
import { createOrm, ensureDatabase, migrate, type Orm } from '../db/orm';
import { buildApiSchema } from '../graphql/schema';
import { createGraphQLRouter } from '../http/graphql';
import { createRateLimiter } from '../http/rate-limit';
import { createHttpApp } from '../http/server';
import { createGdprExportRouter } from '../http/gdpr-export';
import { attachWebSockets, type LiveServer } from '../http/websocket';
import { createLive, type Live } from '../live/pubsub';
import type { Logger } from '../observability/logger';
import { databaseClock } from '../shared/clock';
import { connectRedis } from './redis';
import type { Queue } from 'bullmq';
import type { WebhookJob } from '../queues/jobs';
import { createQueues, startWorkers, type Workers } from '../queues/workers';
import { bullWebhookJobs } from '../queues/webhook-jobs';
import { bullErasureJobs } from '../queues/erasure-jobs';
import { createStripeClient } from '../stripe/client';
import { stripePayments } from '../stripe/payments';
import { createWebhookRouter } from '../stripe/webhook-route';
import { assertHandlersComplete } from '../stripe/handlers';

export type Role = 'api' | 'worker' | 'all';

export interface RunningService {
  orm: Orm;
  redis: Redis;
  live: Live;
  server: Server | null;
  websockets: LiveServer | null;
  /** The port the HTTP server listens on (useful with PORT=0); 0 for a worker. */
  port: number;
  stop(): Promise<void>;
}

export async function startService(config: Config, logger: Logger, role: Role = 'all'): Promise<RunningService> {
  assertHandlersComplete(); // wiring first: refuse to start with an event type nobody handles
  if (config.databaseCreate) await ensureDatabase(config.databaseUrl);
  const orm = await createOrm({ databaseUrl: config.databaseUrl, poolMax: config.databasePoolMax });
  const applied = await migrate(orm);
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
  let redis: Redis;
  try {
    redis = await connectRedis(config.redisUrl);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  const live = createLive(config.redisUrl, logger);
  const stripe = config.stripe ? createStripeClient(config.stripe) : null;
  const queues = createQueues(config);
  for (const q of Object.values(queues)) q.on('error', (err) => logger.warn({ queue: q.name, err: err.message }, 'queue: Redis unavailable'));
  const webhookQueue = config.stripe ? (queues['stripe-webhooks'] as Queue<WebhookJob>) : null;
  const payments = stripe && config.stripe ? stripePayments(stripe, config.stripe, orm) : null;

  let server: Server | null = null;
  let websockets: LiveServer | null = null;
  let stopGraphQL = async () => undefined as void;
  let port = 0;
  if (role !== 'worker') {
    const schema = await buildApiSchema(live.pubSub);
    const authenticate = createAuthenticator(config);
    const graphql = await createGraphQLRouter({
      schema, authenticate, events: live.events, orm, config, logger, clock: databaseClock,
      payments,
      webhookJobs: bullWebhookJobs(queues, orm),
      erasureJobs: bullErasureJobs(queues.maintenance, logger),
      rateLimit: createRateLimiter(redis, config.rateLimitPerMinute, logger),
    });
    stopGraphQL = graphql.stop;
    const stripeWebhook = stripe && webhookQueue && config.stripe
      ? createWebhookRouter({ orm, stripe, webhookSecret: config.stripe.webhookSecret, queue: webhookQueue, logger })
      : undefined;
    const app = createHttpApp({ orm, redis, logger, graphql: graphql.router, stripeWebhook, gdprExport: createGdprExportRouter({ orm }) });
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    websockets = attachWebSockets({ server, schema, authenticate, events: live.events, orm, config, logger, clock: databaseClock });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ port, role }, 'http server listening');
  }
  const workers: Workers | null = role === 'api'
    ? null
    : await startWorkers({ config, orm, events: live.events, logger, stripe, payments, queues });

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      // stop taking work, let what is in flight finish, then close what it used
      await workers?.stop();
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        await websockets?.close();
        server.closeIdleConnections();
        await closed;
        await stopGraphQL();
      }
      await Promise.all(Object.values(queues).map((q) => q.close()));
      await live.close();
      await redis.quit().catch(() => redis.disconnect());
      await orm.close(true);
      logger.info('stopped');
    })();
    return stopping;
  };
  return { orm, redis, live, server, websockets, port, stop };
}
