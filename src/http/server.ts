// The HTTP edge: liveness, readiness, metrics, GraphQL at /graphql, the Stripe webhook and the
// queue dashboard. A worker serves the same app without GraphQL, webhook and dashboard.
import { timingSafeEqual } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type Redis from 'ioredis';
import type { Orm } from '../db/orm';
import type { Logger } from '../observability/logger';
import { observeHttp, scrape } from '../observability/metrics';
import { requestId } from './request-id';
import { withTimeout } from '../shared/time';

export interface HttpDeps {
  orm: Orm;
  redis: Redis;
  logger: Logger;
  graphql?: Router;
  stripeWebhook?: Router;
  gdprExport?: Router;
  /** The web app at /app (static files of dist-web/) and the explorer at /explorer when on. */
  webApp?: Router;
  explorer?: Router | null;
  /** The bull-board dashboard (ADMIN only; the router checks). */
  adminQueues?: Router;
  /** When set, /metrics wants `Authorization: Bearer <token>`; otherwise it is open. */
  metricsToken?: string | null;
  /** Set on shutdown: readiness fails and every response closes its connection. */
  lifecycle?: { draining: boolean };
  /** A worker's job schedulers that Redis does not hold now (lost data): not ready until re-created. */
  missingSchedulers?: () => Promise<string[]>;
}

/** Routes as metric labels: a fixed table, so no path a caller sends creates a series. */
const ROUTES = ['/graphql', '/webhooks/stripe', '/admin/queues', '/gdpr/export', '/healthz', '/readyz', '/metrics', '/app', '/explorer'];

function routeOf(path: string): string {
  for (const r of ROUTES) if (path === r || path.startsWith(`${r}/`)) return r;
  return 'other';
}

function measure(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  const route = routeOf(req.path); // now: mounted routers rewrite req.url while they run
  res.once('finish', () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    observeHttp(route, req.method, res.statusCode, seconds);
  });
  next();
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ReadinessReport {
  ready: boolean;
  checks: { postgres: string; redis: string; migrations: string; schedulers?: string };
}

const CHECK_TIMEOUT_MS = 2000;

export async function readiness(deps: HttpDeps): Promise<ReadinessReport> {
  const checks: ReadinessReport['checks'] = { postgres: 'ok', redis: 'ok', migrations: 'ok' };
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
  if (deps.missingSchedulers && checks.redis === 'ok') {
    try {
      const missing = await withTimeout(deps.missingSchedulers(), CHECK_TIMEOUT_MS);
      checks.schedulers = missing.length === 0 ? 'ok' : `missing: ${missing.join(', ')}`;
    } catch (err) {
      checks.schedulers = `unknown: ${(err as Error).message}`;
    }
  }
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
}

export function createHttpApp(deps: HttpDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(measure);
  app.use(requestId(deps.logger));
  app.use((_req, res, next) => {
    // shutting down: answer what comes, but let no connection be used again
    if (deps.lifecycle?.draining) res.setHeader('connection', 'close');
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    if (deps.lifecycle?.draining) {
      res.status(503).json({ ready: false, draining: true });
      return;
    }
    const report = await readiness(deps);
    if (!report.ready) deps.logger.warn({ checks: report.checks }, 'not ready');
    res.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (req, res) => {
    const token = deps.metricsToken;
    if (token && !sameSecret(req.header('authorization') ?? '', `Bearer ${token}`)) {
      res.status(401).set('www-authenticate', 'Bearer').json({ error: 'metrics need "Authorization: Bearer <METRICS_TOKEN>"' });
      return;
    }
    const { contentType, body } = await scrape();
    res.set('content-type', contentType).send(body);
  });
  if (deps.graphql) app.use('/graphql', deps.graphql);
  if (deps.stripeWebhook) app.use('/webhooks/stripe', deps.stripeWebhook);
  if (deps.gdprExport) app.use('/gdpr/export', deps.gdprExport);
  if (deps.adminQueues) app.use('/admin/queues', deps.adminQueues);
  if (deps.webApp) {
    app.use('/app', deps.webApp);
    app.get('/', (_req, res) => res.redirect(302, '/app/'));
  }
  if (deps.explorer) app.use('/explorer', deps.explorer);
  // every error of the HTTP layer answers JSON, never Express's HTML page
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: Error & { status?: number; statusCode?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.status ?? err.statusCode ?? 500;
    if (status >= 500) deps.logger.error({ err, path: req.path }, 'unhandled error in the HTTP layer');
    if (res.headersSent) return void res.end();
    res.status(status >= 400 && status < 600 ? status : 500).json({ error: status < 500 ? 'the request could not be handled' : 'internal server error' });
  });
  return app;
}
