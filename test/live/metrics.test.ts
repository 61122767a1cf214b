// /metrics after a scripted workload: the service as its own process (API and workers in one, the
// fake Stripe for webhooks), so every counter starts at zero and the values can be exact.
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { startFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import { gqlAt, must, Q } from '../support/http-client';
import { parseScrape, scrapeMetrics, type Scrape } from '../support/metrics';
import { startProcess, type ServiceProcess } from '../support/processes';
import { stripeEnv } from '../support/stripe';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

const SECRET = 'whsec_test_metrics';
const METRICS_TOKEN = 'metrics-token-for-the-test';
let db: TestDb;
let fake: FakeStripe;
let svc: ServiceProcess;
let admin: string;
let service: string;

beforeAll(async () => {
  db = await createTestDb(2);
  fake = await startFakeStripe({ webhookSecret: SECRET });
  svc = await startProcess('all', {
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '6',
    SWEEP_INTERVAL_MS: '300',
    METRICS_TOKEN,
    ...stripeEnv(fake, SECRET),
  });
  fake.webhookUrl = `http://127.0.0.1:${svc.port}/webhooks/stripe`;
  admin = await signToken(DEV_JWT_SECRET, randomUUID(), 'ADMIN', 600);
  service = await signToken(DEV_JWT_SECRET, randomUUID(), 'SERVICE', 600);
}, 60_000);
afterAll(async () => {
  await svc?.stop();
  await fake?.close();
  await db?.close();
});

const scrape = () => scrapeMetrics(svc.port, METRICS_TOKEN);

async function newUser(): Promise<{ id: string; token: string }> {
  const d = await must(svc.port, admin, Q.createUser, { i: { email: `m-${randomUUID()}@example.com` } });
  const id = d.createUser.user.id as string;
  return { id, token: await signToken(DEV_JWT_SECRET, id, 'USER', 600) };
}

describe('/metrics', () => {
  it('wants the METRICS_TOKEN when one is set', async () => {
    expect((await fetch(`http://127.0.0.1:${svc.port}/metrics`)).status).toBe(401);
    const wrong = await fetch(`http://127.0.0.1:${svc.port}/metrics`, { headers: { authorization: 'Bearer not-the-metrics-token' } });
    expect(wrong.status).toBe(401);
    const res = await fetch(`http://127.0.0.1:${svc.port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseScrape(await res.text());
    // the process's own figures, and the drift gauge the reconciliation job sets
    expect(m.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.value('nodejs_eventloop_lag_seconds')).toBeDefined();
    expect(m.value('vp_ledger_drift_users')).toBe(0);
  });

  it('counts usage, operations, requests, webhooks, job failures and sockets of a scripted workload', async () => {
    const a = await newUser();
    await must(svc.port, admin, Q.grant, { i: { userId: a.id, seconds: 600, source: 'BONUS', idempotencyKey: 'bonus' } });

    // usage: five calls, one replay of the first, one that does not fit, one malformed
    for (let i = 1; i <= 5; i++) await must(svc.port, service, Q.record, { i: { userId: a.id, seconds: 60, idempotencyKey: `call-${i}` } });
    await must(svc.port, service, Q.record, { i: { userId: a.id, seconds: 60, idempotencyKey: 'call-1' } });
    const tooMuch = await gqlAt(svc.port, service, Q.record, { i: { userId: a.id, seconds: 1000, idempotencyKey: 'call-big' } });
    expect(tooMuch.body.data!.recordUsage.userErrors).toEqual([{ code: 'INSUFFICIENT_CREDITS' }]);
    const zero = await gqlAt(svc.port, service, Q.record, { i: { userId: a.id, seconds: 0, idempotencyKey: 'call-zero' } });
    expect(zero.body.data!.recordUsage.userErrors).toEqual([{ code: 'INVALID_SECONDS' }]);
    // a held call committed, and a commit of a hold that does not exist
    const hold = await must(svc.port, service, Q.reserve, { i: { userId: a.id, seconds: 60, idempotencyKey: 'hold-1' } });
    await must(svc.port, service, Q.commit, { i: { reservationId: hold.reserveCredits.reservation.id, usedSeconds: 30 } });
    const missing = await gqlAt(svc.port, service, Q.commit, { i: { reservationId: randomUUID(), usedSeconds: 30 } });
    expect(missing.body.data!.commitReservation.userErrors).toEqual([{ code: 'RESERVATION_NOT_FOUND' }]);
    // refused inside GraphQL (no credential, a role that may not) and before it (a bad token); a path nobody serves
    expect((await gqlAt(svc.port, null, Q.record, { i: { userId: a.id, seconds: 1, idempotencyKey: 'x' } })).status).toBe(401);
    expect((await gqlAt(svc.port, 'not.a.token', Q.record, { i: { userId: a.id, seconds: 1, idempotencyKey: 'x' } })).status).toBe(401);
    const forbidden = await gqlAt(svc.port, service, Q.grant, { i: { userId: a.id, seconds: 1, source: 'BONUS', idempotencyKey: 'no' } });
    expect(forbidden.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect((await fetch(`http://127.0.0.1:${svc.port}/no/such/path?x=1`)).status).toBe(404);

    // webhooks: a checkout's three events processed, and one with a price of no plan that fails for good
    const b = await newUser();
    const started = await must(svc.port, b.token, Q.checkout, {
      i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' },
    });
    const events = await fake.completeCheckout(started.createCheckoutSession.sessionId);
    const sub = events.find((e) => e.type === 'customer.subscription.created')!;
    const bad = structuredClone(sub);
    bad.id = `evt_${randomUUID().replace(/-/g, '')}`;
    bad.data.object.items.data[0].price.id = 'price_of_no_plan';
    expect(await fake.deliver(bad)).toBe(200);
    await until('the events processed and the bad one failed', async () => {
      const rows = await db.em().getConnection().execute<{ status: string }[]>('select status from webhook_events');
      return rows.filter((r) => r.status === 'PROCESSED').length === 3 && rows.filter((r) => r.status === 'FAILED').length === 1;
    });

    // a live subscriber
    const client = createClient({
      url: `ws://127.0.0.1:${svc.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${a.token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
    client.subscribe(
      { query: 'subscription { balanceChanged { balanceSeconds } }' },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    let m: Scrape = await until('the socket counted', async () => {
      const s = await scrape();
      // a job's row may say PROCESSED a moment before BullMQ moves the job out of active: wait for both
      return s.value('vp_websocket_subscriptions') === 1 &&
        s.value('vp_jobs_failed_total', { queue: 'stripe-webhooks', final: 'true' }) === 1 &&
        s.value('vp_queue_jobs', { queue: 'stripe-webhooks', state: 'active' }) === 0
        ? s
        : undefined;
    });

    expect(m.value('vp_websocket_connections')).toBe(1);
    // usage answers by outcome (a replayed key answers OK again)
    expect(m.value('vp_usage_records_total', { operation: 'recordUsage', outcome: 'OK' })).toBe(6);
    expect(m.value('vp_usage_records_total', { operation: 'recordUsage', outcome: 'INSUFFICIENT_CREDITS' })).toBe(1);
    expect(m.value('vp_usage_records_total', { operation: 'recordUsage', outcome: 'INVALID_SECONDS' })).toBe(1);
    expect(m.value('vp_usage_records_total', { operation: 'commitReservation', outcome: 'OK' })).toBe(1);
    expect(m.value('vp_usage_records_total', { operation: 'commitReservation', outcome: 'RESERVATION_NOT_FOUND' })).toBe(1);
    expect(m.sum('vp_usage_records_total')).toBe(10);
    // GraphQL operations by root field, type and outcome
    const op = (operation: string, outcome: string) => m.value('vp_graphql_operation_duration_seconds_count', { operation, type: 'mutation', outcome });
    expect(op('recordUsage', 'ok')).toBe(6);
    expect(op('recordUsage', 'user_error')).toBe(2);
    expect(op('recordUsage', 'UNAUTHENTICATED')).toBe(1);
    expect(op('grantCredits', 'FORBIDDEN')).toBe(1);
    expect(op('grantCredits', 'ok')).toBe(1);
    expect(op('commitReservation', 'user_error')).toBe(1);
    // HTTP requests by route, method and status (a bad token is refused before GraphQL runs: only here)
    const http = (route: string, method: string, status: string) => m.value('vp_http_request_duration_seconds_count', { route, method, status });
    expect(http('/graphql', 'POST', '401')).toBe(2);
    expect(http('/graphql', 'POST', '403')).toBe(1);
    expect(http('other', 'GET', '404')).toBe(1);
    expect(http('/metrics', 'GET', '401')).toBe(2);
    expect(http('/webhooks/stripe', 'POST', '200')).toBe(4);
    expect(m.text).not.toContain('/no/such/path');
    // webhooks: lag of the processed ones, nothing waiting, the failed one in the inbox and the queue
    expect(m.value('vp_webhook_lag_seconds_count', { outcome: 'PROCESSED' })).toBe(3);
    expect(m.value('vp_webhook_events_pending', { status: 'RECEIVED' })).toBe(0);
    expect(m.value('vp_webhook_events_pending', { status: 'PROCESSING' })).toBe(0);
    expect(m.value('vp_webhook_events_pending', { status: 'FAILED' })).toBe(1);
    expect(m.value('vp_webhook_backlog_metrics_up')).toBe(1);
    expect(m.value('vp_queue_metrics_up')).toBe(1);
    expect(m.value('vp_queue_jobs', { queue: 'stripe-webhooks', state: 'failed' })).toBe(1);
    expect(m.value('vp_queue_jobs', { queue: 'stripe-webhooks', state: 'active' })).toBe(0);
    for (const queue of ['billing', 'holds', 'maintenance']) expect(m.value('vp_queue_jobs', { queue, state: 'waiting' })).toBeDefined();
    // the scheduled sweeps ran here as well (this process is also a worker)
    expect(m.value('vp_jobs_completed_total', { queue: 'holds' })).toBeGreaterThan(0);
    expect(m.value('vp_jobs_completed_total', { queue: 'stripe-webhooks' })).toBeGreaterThanOrEqual(3);

    await client.dispose();
    m = await until('the socket gone', async () => {
      const s = await scrape();
      return s.value('vp_websocket_connections') === 0 ? s : undefined;
    });
    expect(m.value('vp_websocket_subscriptions')).toBe(0);
  });
});
