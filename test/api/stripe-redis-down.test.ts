// Redis stopped while webhooks arrive: every one is answered 2xx and stored, and all are processed
// once Redis returns (the worker's sweep enqueues what was stored but never enqueued).
import { startFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import { startTestApi, type TestApi } from '../support/api';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { stripeEnv } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_redis_down';
let fake: FakeStripe;
let proxy: TcpProxy;
let api: TestApi;

beforeAll(async () => {
  fake = await startFakeStripe({ webhookSecret: SECRET });
  proxy = await startTcpProxy(6379);
  api = await startTestApi({
    REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
    ...stripeEnv(fake, SECRET),
    SWEEP_INTERVAL_MS: '300',
  });
  fake.webhookUrl = api.url.replace('/graphql', '/webhooks/stripe');
});
afterAll(async () => {
  await proxy.restore();
  await api.stop();
  await proxy.close();
  await fake.close();
});

describe('Redis away', () => {
  it('answers and stores every webhook while Redis is down, and processes them all when it returns', async () => {
    const user = await api.account('USER');
    const started = await api.gql(
      'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId } }',
      { i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } },
      user.auth,
    );
    const sessionId = started.body.data!.createCheckoutSession.sessionId as string;

    await proxy.cut();
    const t0 = Date.now();
    const events = await fake.completeCheckout(sessionId); // three webhooks, Redis unreachable
    expect(Date.now() - t0).toBeLessThan(5000);
    const rows = await api.db.em().getConnection().execute<{ id: string; status: string }[]>('select id, status from webhook_events');
    expect(rows.map((r) => r.id).sort()).toEqual(events.map((e) => e.id as string).sort());
    expect(rows.every((r) => r.status === 'RECEIVED')).toBe(true);

    await proxy.restore();
    await until('all processed', async () => {
      const left = await api.db.em().getConnection().execute<{ n: string }[]>(`select count(*) as n from webhook_events where status <> 'PROCESSED'`);
      return Number(left[0]!.n) === 0;
    });
    const [b] = await api.db
      .em()
      .getConnection()
      .execute<{ balance_seconds: string }[]>('select balance_seconds from credit_balances where user_id = ?', [user.id]);
    expect(Number(b!.balance_seconds)).toBe(12_000);
  }, 40_000);
});
