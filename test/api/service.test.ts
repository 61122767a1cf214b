// The service as a whole over real HTTP: it starts on a database with migrations applied and the
// plans seeded, answers liveness and readiness, and stops cleanly.
import { loadConfig } from '../../src/config/env';
import { startService, type RunningService } from '../../src/app/service';
import { createLogger } from '../../src/observability/logger';
import { createTestDb, type TestDb } from '../support/test-db';

let db: TestDb;
let service: RunningService;

beforeAll(async () => {
  db = await createTestDb(2);
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, DATABASE_POOL_MAX: '4' });
  service = await startService(config, createLogger('silent'));
});
afterAll(async () => {
  await service.stop();
  await db.close();
});

const url = (path: string) => `http://127.0.0.1:${service.port}${path}`;

describe('the service', () => {
  it('answers /healthz', async () => {
    const res = await fetch(url('/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with Postgres, Redis and migrations checked', async () => {
    const res = await fetch(url('/readyz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, checks: { postgres: 'ok', redis: 'ok', migrations: 'ok', schedulers: 'ok' } });
  });

  it('has the three plans of the price list seeded', async () => {
    const rows = await db
      .em()
      .getConnection()
      .execute<Record<string, string>[]>('select code, price_cents, included_seconds, overage_cents_per_minute from plans order by sort_order');
    expect(rows.map((r) => [r.code, Number(r.price_cents), Number(r.included_seconds), Number(r.overage_cents_per_minute)])).toEqual([
      ['STARTER', 4900, 12_000, 30],
      ['BUSINESS', 14_900, 48_000, 25],
      ['ENTERPRISE', 39_900, 150_000, 20],
    ]);
  });
});
