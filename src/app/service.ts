// Wiring: builds the service from configuration and starts and stops it in order.
import type { Server } from 'node:http';
import type Redis from 'ioredis';
import type { Config } from '../config/env';
import { createOrm, ensureDatabase, migrate, type Orm } from '../db/orm';
import { createGraphQLRouter } from '../http/graphql';
import { createRateLimiter } from '../http/rate-limit';
import { createHttpApp } from '../http/server';
import { databaseClock } from '../shared/clock';
import type { Logger } from '../observability/logger';
import { connectRedis } from './redis';

export interface RunningService {
  orm: Orm;
  redis: Redis;
  server: Server;
  /** The port the HTTP server listens on (useful with PORT=0). */
  port: number;
  stop(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
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
  const graphql = await createGraphQLRouter({
    orm, config, logger, clock: databaseClock, rateLimit: createRateLimiter(redis, config.rateLimitPerMinute, logger),
  });
  const app = createHttpApp({ orm, redis, logger, graphql: graphql.router });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port }, 'http server listening');

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      // stop accepting, let requests in flight finish, then close what they used
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await graphql.stop();
      await redis.quit().catch(() => redis.disconnect());
      await orm.close(true);
      logger.info('stopped');
    })();
    return stopping;
  };
  return { orm, redis, server, port, stop };
}
