// Wiring: builds the service from configuration and starts and stops it in order. Roles: `api`
// (HTTP + WebSockets), `worker` (the BullMQ workers and their job schedulers), or both in one
// process (`all`, for local use). Every role publishes live updates through Redis.
import { createServer, type Server } from 'node:http';
import type Redis from 'ioredis';
import { createAuthenticator } from '../auth/authenticate';
import type { Config } from '../config/env';
import { createOrm, ensureDatabase, migrate, type Orm } from '../db/orm';
import { listenForChanges, type Changes } from '../db/changes';
import { cachePlans } from '../domain/queries/plan-catalogue';
import { configureUsageBatching } from '../domain/ledger/usage-batcher';
import { buildApiSchema } from '../graphql/schema';
import { createGraphQLRouter } from '../http/graphql';
import { createRateLimiter } from '../http/rate-limit';
import { createHttpApp } from '../http/server';
import { createGdprExportRouter } from '../http/gdpr-export';
import { createAdminQueuesRouter } from '../http/admin-queues';
import { createWebAppRouters, defaultWebDistDir } from '../http/web-app';
import { addScrapeSource } from '../observability/metrics';
import { queueCounts, webhookBacklog } from './ops';
import { attachWebSockets, type LiveServer } from '../http/websocket';
import { createLive, type Live } from '../live/pubsub';
import type { Logger } from '../observability/logger';
import { databaseClock, type Clock } from '../shared/clock';
import { startSharedClock, type SharedClock } from '../shared/shared-clock';
import { connectRedis } from './redis';
import type { Queue } from 'bullmq';
import type { WebhookJob } from '../queues/jobs';
import { createQueues, startWorkers, type Workers } from '../queues/workers';
import { bullEventJobs, bullWebhookJobs } from '../queues/webhook-jobs';
import { bullErasureJobs } from '../queues/erasure-jobs';
import { createStripeClient } from '../stripe/client';
import { stripePayments } from '../stripe/payments';
import { createWebhookRouter } from '../stripe/webhook-route';
import { assertHandlersComplete } from '../stripe/handlers';

export type Role = 'api' | 'worker' | 'all';

/** The HTTP port could not be taken (in use, or not allowed): the service does not start. */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly variable: 'PORT' | 'WORKER_PORT',
    cause: NodeJS.ErrnoException,
  ) {
    super(
      cause.code === 'EADDRINUSE'
        ? `cannot listen on ${host}:${port}: port ${port} is in use (another instance running?); stop it or set ${variable} to a free port`
        : `cannot listen on ${host}:${port} (${variable}): ${cause.code ?? cause.message}`,
      { cause },
    );
  }
}

export interface RunningService {
  orm: Orm;
  redis: Redis;
  live: Live;
  server: Server | null;
  websockets: LiveServer | null;
  /** The port the HTTP server listens on (useful with PORT=0); a worker's is WORKER_PORT (health, metrics). */
  port: number;
  /**
   * Stops in order: readiness fails and answers close their connections; after drainDelayMs the
   * server stops accepting, WebSockets close, requests in flight finish while workers finish
   * their active jobs; then queues, Redis and the ORM close.
   */
  stop(opts?: { drainDelayMs?: number }): Promise<void>;
}

export async function startService(config: Config, logger: Logger, role: Role = 'all'): Promise<RunningService> {
  assertHandlersComplete(); // wiring first: refuse to start with an event type nobody handles
  if (config.databaseCreate) await ensureDatabase(config.databaseUrl, config.databaseTls);
  configureUsageBatching({ inFlightMax: config.usageBatchesInFlight });
  const orm = await createOrm({ databaseUrl: config.databaseUrl, poolMax: config.databasePoolMax, tls: config.databaseTls });
  const applied = await migrate(orm);
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
  let redis: Redis;
  try {
    redis = await connectRedis(config.redisUrl, config.redisTls);
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  // simulation only (CLOCK=shared, refused in production): every process follows one clock in Redis
  let shared: SharedClock | null = null;
  try {
    if (config.clock === 'shared')
      shared = await startSharedClock({ redisUrl: config.redisUrl, prefix: config.queuePrefix, processId: `${role}-${process.pid}`, tls: config.redisTls });
  } catch (err) {
    await redis.quit().catch(() => redis.disconnect());
    await orm.close(true);
    throw err;
  }
  const clock: Clock = shared ?? databaseClock;
  const live = createLive(config.redisUrl, logger, config.redisTls);
  const stripe = config.stripe ? createStripeClient(config.stripe) : null;
  const queues = createQueues(config);
  for (const q of Object.values(queues)) q.on('error', (err) => logger.warn({ queue: q.name, err: err.message }, 'queue: Redis unavailable'));
  const webhookQueue = config.stripe ? (queues['stripe-webhooks'] as Queue<WebhookJob>) : null;
  const payments = stripe && config.stripe ? stripePayments(stripe, config.stripe, orm) : null;

  let server: Server | null = null;
  let websockets: LiveServer | null = null;
  let stopGraphQL = async () => undefined as void;
  let stopRateLimit = async () => undefined as void;
  let changes: Changes | null = null;
  let port = 0;
  const lifecycle = { draining: false };
  // not app.listen: Express 5 hands a listen error to its callback, which would start the rest of
  // the service on a port it does not hold
  const listen = (app: ReturnType<typeof createHttpApp>, at: number, variable: 'PORT' | 'WORKER_PORT') =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer(app);
      s.once('error', (err) => reject(new ListenError(config.host, at, variable, err as NodeJS.ErrnoException)));
      s.listen(at, config.host, () => resolve(s));
    });
  // a port the process cannot take ends the start: what is open already closes again
  const closeAll = async () => {
    await Promise.all(Object.values(queues).map((q) => q.close().catch(() => undefined)));
    await live.close().catch(() => undefined);
    await shared?.stop().catch(() => undefined);
    await redis.quit().catch(() => redis.disconnect());
    await orm.close(true).catch(() => undefined);
  };
  // the worker's schedulers, for readiness (role all: the HTTP app exists before the workers start;
  // a worker holds its port before they start and is not ready until they have)
  let started: Workers | null = null;
  const missingSchedulers =
    role === 'api' ? undefined : async () => (started ? started.missingSchedulers() : role === 'worker' ? ['(the workers are starting)'] : []);
  if (role !== 'worker') {
    const schema = await buildApiSchema(live.pubSub);
    // the request path's caches (principals, plans) forget what Postgres says changed
    changes = listenForChanges({ databaseUrl: config.databaseUrl, tls: config.databaseTls, logger });
    cachePlans(orm.em, changes);
    const authenticate = createAuthenticator(config, changes);
    const rateLimit = createRateLimiter(redis, config.rateLimitPerMinute, logger, config.queuePrefix);
    stopRateLimit = () => rateLimit.sync().finally(() => rateLimit.stop());
    const graphql = await createGraphQLRouter({
      schema,
      authenticate,
      events: live.events,
      orm,
      config,
      logger,
      clock,
      payments,
      webhookJobs: bullWebhookJobs(queues, orm),
      erasureJobs: bullErasureJobs(queues, logger),
      rateLimit,
    });
    stopGraphQL = graphql.stop;
    const stripeWebhook =
      stripe && webhookQueue && config.stripe
        ? createWebhookRouter({ orm, stripe, webhookSecret: config.stripe.webhookSecret, jobs: bullEventJobs(queues), logger })
        : undefined;
    const adminQueues = createAdminQueuesRouter({ queues: Object.values(queues), authenticate, orm, secureCookie: config.nodeEnv === 'production' });
    const web = createWebAppRouters({ distDir: config.webDistDir ?? defaultWebDistDir(), explorer: config.explorerEnabled });
    const app = createHttpApp({
      orm,
      redis,
      logger,
      graphql: graphql.router,
      webApp: web.app,
      explorer: web.explorer,
      stripeWebhook,
      adminQueues,
      gdprExport: createGdprExportRouter({ orm }),
      metricsToken: config.metricsToken,
      lifecycle,
      missingSchedulers,
    });
    try {
      server = await listen(app, config.port, 'PORT');
    } catch (err) {
      await stopGraphQL().catch(() => undefined);
      await closeAll();
      throw err;
    }
    websockets = attachWebSockets({ server, schema, authenticate, rateLimit, events: live.events, orm, config, logger, clock });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : config.port;
    logger.info({ port, role, pid: process.pid }, 'http server listening');
  }
  if (role === 'worker') {
    // a worker answers health, readiness and metrics on its own port: taken before a worker starts,
    // announced ("http server listening") once they have
    try {
      server = await listen(
        createHttpApp({ orm, redis, logger, metricsToken: config.metricsToken, lifecycle, missingSchedulers }),
        config.workerPort,
        'WORKER_PORT',
      );
    } catch (err) {
      await closeAll();
      throw err;
    }
  }
  const workers: Workers | null = role === 'api' ? null : await startWorkers({ config, orm, events: live.events, logger, stripe, payments, queues, clock });
  started = workers;
  if (role === 'worker' && server) {
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : config.workerPort;
    logger.info({ port, role, pid: process.pid }, 'http server listening');
  }
  const dropScrapeSource = addScrapeSource({
    websockets: () => websockets?.stats() ?? { connections: 0, subscriptions: 0 },
    queueCounts: queueCounts(Object.values(queues)),
    webhookBacklog: webhookBacklog(orm),
  });

  let stopping: Promise<void> | null = null;
  const stop = (opts: { drainDelayMs?: number } = {}) => {
    stopping ??= (async () => {
      // load balancers see "not ready"; every answer from now on closes its connection, and requests
      // already on the wire are read and answered before the server stops accepting
      lifecycle.draining = true;
      if (server && websockets && opts.drainDelayMs) await new Promise((r) => setTimeout(r, opts.drainDelayMs));
      const drainHttp = async () => {
        if (!server) return;
        const closed = new Promise<void>((resolve) => server!.close(() => resolve())); // idle connections close now
        await websockets?.close();
        await closed; // busy ones after their answer
        await stopGraphQL();
      };
      // workers take no new job and finish their active ones meanwhile
      await Promise.all([drainHttp(), workers?.stop()]);
      dropScrapeSource();
      await stopRateLimit().catch(() => undefined);
      await changes?.stop();
      await Promise.all(Object.values(queues).map((q) => q.close()));
      await live.close();
      await shared?.stop();
      await redis.quit().catch(() => redis.disconnect());
      await orm.close(true);
      logger.info('stopped');
    })();
    return stopping;
  };
  return { orm, redis, live, server, websockets, port, stop };
}
