// The HTTP edge: liveness, readiness and GraphQL at /graphql; WebSockets and the Stripe webhook
// mount here as they arrive.
import express, { type Express, type Router } from 'express';
import type Redis from 'ioredis';
import type { Orm } from '../db/orm';
import type { Logger } from '../observability/logger';
import { requestId } from './request-id';

export interface HttpDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  graphql?: Router;
  stripeWebhook?: Router;
  gdprExport?: Router;
}

export interface ReadinessReport {
  ready: boolean;
  checks: { postgres: string; redis: string; migrations: string };
}

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

export async function readiness(deps: HttpDeps): Promise<ReadinessReport> {
  const checks = { postgres: 'ok', redis: 'ok', migrations: 'ok' };
  try {
    await withTimeout(deps.orm.em.fork().getConnection().execute('select 1'), CHECK_TIMEOUT_MS);
    const pending = await withTimeout(deps.orm.getMigrator().getPendingMigrations(), CHECK_TIMEOUT_MS);
    if (pending.length > 0) checks.migrations = `${pending.length} pending`;
  } catch (err) {
    checks.postgres = `down: ${(err as Error).message}`;
    checks.migrations = 'unknown';
  }
  try {
    await withTimeout(deps.redis.ping(), CHECK_TIMEOUT_MS);
  } catch (err) {
    checks.redis = `down: ${(err as Error).message}`;
  }
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestId(deps.logger));
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const report = await readiness(deps);
    if (!report.ready) deps.logger.warn({ checks: report.checks }, 'not ready');
    res.status(report.ready ? 200 : 503).json(report);
  });
  if (deps.graphql) app.use('/graphql', deps.graphql);
  if (deps.stripeWebhook) app.use('/webhooks/stripe', deps.stripeWebhook);
  if (deps.gdprExport) app.use('/gdpr/export', deps.gdprExport);
  return app;
}
