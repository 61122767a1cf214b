// Wiring: builds the service from configuration and starts and stops it in order. Roles: `api`
// (HTTP + WebSockets), `worker` (the periodic ledger work), or both in one process (`all`, for
// local use). Every role publishes live updates through Redis.
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
import { startSweeper, type Sweeper } from './sweeper';
import { Queue } from 'bullmq';
import { Queues, producerConnection, type WebhookJob } from '../queues/jobs';
import { startWebhookWorker, type WebhookWorker } from '../queues/webhook-worker';
import { bullWebhookJobs } from '../queues/webhook-jobs';
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
  const webhookQueue = config.stripe ? new Queue<WebhookJob>(Queues.webhooks, { connection: producerConnection(config.redisUrl), prefix: config.queuePrefix }) : null;
  webhookQueue?.on('error', (err) => logger.warn({ err: err.message }, 'webhook queue: Redis unavailable'));
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
      webhookJobs: webhookQueue ? bullWebhookJobs(webhookQueue, orm) : null,
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
  const sweeper: Sweeper | null = role === 'api' ? null : startSweeper(orm, live.events, config.sweepIntervalMs, logger, payments);
  const webhookWorker: WebhookWorker | null = role !== 'api' && webhookQueue && stripe
    ? startWebhookWorker(config, orm, live.events, webhookQueue, stripe, logger) : null;
  if (sweeper) logger.info({ intervalMs: config.sweepIntervalMs, stripe: Boolean(webhookWorker) }, 'sweeper started');

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      // stop taking work, let what is in flight finish, then close what it used
      await sweeper?.stop();
      await webhookWorker?.stop();
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        await websockets?.close();
        server.closeIdleConnections();
        await closed;
        await stopGraphQL();
      }
      await webhookQueue?.close();
      await live.close();
      await redis.quit().catch(() => redis.disconnect());
      await orm.close(true);
      logger.info('stopped');
    })();
    return stopping;
  };
  return { orm, redis, live, server, websockets, port, stop };
}
