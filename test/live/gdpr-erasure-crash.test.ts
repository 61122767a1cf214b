// Erasure is safe after a crash midway: a worker killed with SIGKILL right after Stripe deleted the
// customer (before that step was recorded), or just before the local pseudonymization — another
// worker takes the stalled job and finishes it: one erasure, one audit entry, the books intact.
import { randomUUID } from 'node:crypto';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { startFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import { createUser } from '../../src/domain/users/create-user';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';
import { stripeEnv } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_erasure_crash';
let db: TestDb;
let fake: FakeStripe;
let api: ServiceProcess;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDb(4);
  fake = await startFakeStripe({ webhookSecret: SECRET });
  env = { DATABASE_URL: db.url, DATABASE_POOL_MAX: '4', SWEEP_INTERVAL_MS: '300', WEBHOOK_JOB_LOCK_MS: '1500', ...stripeEnv(fake, SECRET) };
  api = await startProcess('api', env);
  fake.webhookUrl = `http://127.0.0.1:${api.port}/webhooks/stripe`;
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await fake?.close();
  await db?.close();
});

async function gql(token: string, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`http://127.0.0.1:${api.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('a worker killed in the middle of an erasure', () => {
  it.each(['erasure.after-customer-deleted', 'erasure.before-pseudonymize'])(
    'erases exactly once after a kill at %s',
    async (point) => {
      const email = `crash-${randomUUID()}@example.com`;
      const r = await createUser({ em: db.em() }, { email });
      if (!r.ok) throw new Error(r.error.code);
      const userId = r.value.id;
      const token = await signToken(DEV_JWT_SECRET, userId, 'USER', 600);
      const started = await gql(token, 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId } }', {
        i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' },
      });
      const sessionId = started.data.createCheckoutSession.sessionId as string;
      const signup = await startProcess('worker', env);
      try {
        await fake.completeCheckout(sessionId);
        await until('the first grant', async () => (await gql(token, '{ balance { balanceSeconds } }')).data.balance.balanceSeconds === 12_000);
      } finally {
        await signup.stop();
      }
      const customerId = fake.sessions.get(sessionId)!.customer as string;
      const subscriptionId = fake.sessions.get(sessionId)!.subscription as string;

      const doomed = await startProcess('worker', { ...env, VP_FAILPOINTS: point });
      const died = new Promise<NodeJS.Signals | null>((resolve) => doomed.child.once('exit', (_code, signal) => resolve(signal)));
      const asked = await gql(token, 'mutation { requestAccountDeletion(input: {}) { request { status } userErrors { code } } }');
      expect(asked.data.requestAccountDeletion).toEqual({ request: { status: 'PENDING' }, userErrors: [] });
      expect(await died).toBe('SIGKILL');
      const [midway] = await db.em().getConnection().execute<{ status: string }[]>('select status from erasure_requests where user_id = ?', [userId]);
      expect(midway!.status).toBe('PENDING');
      expect(fake.customers.has(customerId)).toBe(false);

      const healthy = await startProcess('worker', env);
      try {
        await until('the erasure', async () => {
          const [row] = await db.em().getConnection().execute<{ status: string }[]>('select status from erasure_requests where user_id = ?', [userId]);
          return row!.status === 'COMPLETED';
        });
      } finally {
        await healthy.stop();
      }
      const conn = db.em().getConnection();
      const [user] = await conn.execute<{ email: string }[]>('select email from users where id = ?', [userId]);
      expect(user!.email).toBe(`erased-${userId}@erased.invalid`);
      expect(await conn.execute(`select 1 from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [userId])).toHaveLength(1);
      expect(fake.requests.filter((q) => q.method === 'DELETE' && q.path === `/v1/subscriptions/${subscriptionId}`)).toHaveLength(1);
      // the customer was deleted once; a resumed run may ask again and hear "no such customer"
      expect(fake.requests.filter((q) => q.method === 'DELETE' && q.path === `/v1/customers/${customerId}`).length).toBeGreaterThanOrEqual(1);
      const report = await verifyLedger({ em: db.em() }, userId);
      expect(report.problems).toEqual([]);
      // the cancellation was immediate: the plan's 12,000 s expired, once
      expect(report.balanceSeconds).toBe(0);
      expect(await conn.execute(`select amount_seconds from ledger_entries where user_id = ? and type = 'EXPIRY'`, [userId])).toEqual([
        { amount_seconds: '-12000' },
      ]);
    },
    90_000,
  );
});
