// Scale-out: two API processes and two worker processes on one Postgres and Redis. Usage through
// both APIs lands once in one ledger; Stripe webhooks sent to either API are processed by the
// workers between them (each event once); live updates made by any process reach subscribers on
// either API.
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import Stripe from 'stripe';
import WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { startFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { must, Q } from '../support/http-client';
import { scrapeMetrics } from '../support/metrics';
import { startProcess, type ServiceProcess } from '../support/processes';
import { stripeEnv } from '../support/stripe';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

const SECRET = 'whsec_test_scale_out';
const CHECKOUTS = 12;
let db: TestDb;
let fake: FakeStripe;
let apis: ServiceProcess[];
let workers: ServiceProcess[];
let admin: string;
let service: string;
const sdk = new Stripe('sk_test_unused');

beforeAll(async () => {
  db = await createTestDb(2);
  fake = await startFakeStripe({ webhookSecret: SECRET });
  // one Stripe event at a time per worker: while one worker is busy the other takes the next, so
  // both take part (with 4 each, a quick worker could in principle take all 36)
  const env = { DATABASE_URL: db.url, DATABASE_POOL_MAX: '4', SWEEP_INTERVAL_MS: '300', WEBHOOK_WORKER_CONCURRENCY: '1', ...stripeEnv(fake, SECRET) };
  const started = await Promise.all([startProcess('api', env), startProcess('api', env), startProcess('worker', env), startProcess('worker', env)]);
  apis = started.slice(0, 2);
  workers = started.slice(2);
  admin = await signToken(DEV_JWT_SECRET, randomUUID(), 'ADMIN', 600);
  service = await signToken(DEV_JWT_SECRET, randomUUID(), 'SERVICE', 600);
}, 60_000);
afterAll(async () => {
  await Promise.all([...(apis ?? []), ...(workers ?? [])].map((p) => p.stop()));
  await fake?.close();
  await db?.close();
});

function watch(port: number, userId: string): { seen: number[]; client: Client } {
  const seen: number[] = [];
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${admin}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  client.subscribe(
    { query: 'subscription($u: ID) { balanceChanged(userId: $u) { balanceSeconds } }', variables: { u: userId } },
    {
      next: (m) => seen.push((m.data as { balanceChanged: { balanceSeconds: number } }).balanceChanged.balanceSeconds),
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return { seen, client };
}

const subscribed = (port: number, n: number) =>
  until(`${n} subscriptions on :${port}`, async () => (await scrapeMetrics(port)).value('vp_websocket_subscriptions') === n);

describe('two API and two worker processes', () => {
  it('record usage through both APIs into one ledger, and a subscriber on either API sees every change', async () => {
    const [a, b] = apis;
    const userId = (await must(a!.port, admin, Q.createUser, { i: { email: `so-${randomUUID()}@example.com` } })).createUser.user.id as string;
    const onB = watch(b!.port, userId);
    await subscribed(b!.port, 1);
    await must(a!.port, admin, Q.grant, { i: { userId, seconds: 6000, source: 'BONUS', idempotencyKey: 'seed' } });
    // 40 calls of 10 s, half through each API, at once; each key sent to both (a retry elsewhere)
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        Promise.all([
          must(apis[i % 2]!.port, service, Q.record, { i: { userId, seconds: 10, idempotencyKey: `call-${i}` } }),
          must(apis[(i + 1) % 2]!.port, service, Q.record, { i: { userId, seconds: 10, idempotencyKey: `call-${i}` } }),
        ]),
      ),
    );
    const balance = await must(b!.port, admin, Q.balance, { u: userId });
    expect(balance.balance.balanceSeconds).toBe(6000 - 400);
    await until('the last balance on API B', () => onB.seen.includes(5600));
    expect(onB.seen.at(-1)).toBe(5600); // versions only grow: nothing older after the last
    const report = await verifyLedger({ em: db.em() }, userId);
    expect(report).toMatchObject({ ok: true, balanceSeconds: 5600, entriesChecked: 41 });
    await onB.client.dispose();
  });

  it('process webhooks sent to either API on both workers, each event once, and tell subscribers on either API', async () => {
    const [a, b] = apis;
    fake.autoDeliver = false;
    const users: string[] = [];
    for (let i = 0; i < CHECKOUTS; i++) {
      const id = (await must(a!.port, admin, Q.createUser, { i: { email: `so-${randomUUID()}@example.com` } })).createUser.user.id as string;
      const token = await signToken(DEV_JWT_SECRET, id, 'USER', 600);
      const s = await must(apis[i % 2]!.port, token, Q.checkout, {
        i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' },
      });
      await fake.completeCheckout(s.createCheckoutSession.sessionId);
      users.push(id);
    }
    const events = fake.outbox.splice(0);
    expect(events).toHaveLength(3 * CHECKOUTS);
    const watchers = users.slice(0, 2).map((u, i) => watch(apis[i]!.port, u));
    await subscribed(a!.port, 1);
    await subscribed(b!.port, 1);

    // each event to one API, alternating
    await Promise.all(
      events.map(async (e, i) => {
        const payload = JSON.stringify(e);
        const res = await fetch(`http://127.0.0.1:${apis[i % 2]!.port}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': sdk.webhooks.generateTestHeaderString({ payload, secret: SECRET }) },
          body: payload,
        });
        expect(res.status).toBe(200);
      }),
    );
    const conn = db.em().getConnection();
    await until(
      'every event processed',
      async () => {
        const [row] = await conn.execute<{ n: string }[]>(`select count(*) as n from webhook_events where status = 'PROCESSED'`);
        return Number(row!.n) === events.length;
      },
      45_000,
    );
    const grants = await conn.execute<{ n: string }[]>(`select count(*) as n from credit_grants where source = 'PLAN' group by user_id`);
    expect(grants.map((g) => Number(g.n))).toEqual(Array(CHECKOUTS).fill(1));

    // the workers shared them: each processed some, together each event once
    const processed = await Promise.all(
      workers.map(async (w) => (await scrapeMetrics(w.port)).value('vp_webhook_lag_seconds_count', { outcome: 'PROCESSED' }) ?? 0),
    );
    console.log(`scale-out: events processed per worker ${JSON.stringify(processed)}`);
    expect(processed[0]! + processed[1]!).toBe(events.length);
    expect(processed.every((n) => n > 0)).toBe(true);

    // the grants made by the workers reached the subscribers on API A and on API B
    for (const w of watchers) await until('the grant on a subscriber', () => w.seen.includes(12_000));
    await Promise.all(watchers.map((w) => w.client.dispose()));
    fake.autoDeliver = true;
  });
});
