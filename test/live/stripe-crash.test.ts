// Crash safety: a worker process killed with SIGKILL before the grant is written, after it, or after
// everything but before the job is acknowledged — after a new worker starts, exactly one grant; the
// same for the overage invoice item of a renewal, also killed between Stripe's answer and our row.
import { randomUUID } from 'node:crypto';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { startFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import { createUser } from '../../src/domain/users/create-user';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { databaseClock } from '../../src/shared/clock';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';
import { stripeEnv } from '../support/stripe';
import { must, Q } from '../support/http-client';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_crash';
let db: TestDb;
let fake: FakeStripe;
let api: ServiceProcess;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDb(4);
  fake = await startFakeStripe({ webhookSecret: SECRET });
  env = {
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '4',
    SWEEP_INTERVAL_MS: '300',
    WEBHOOK_JOB_LOCK_MS: '1500',
    ...stripeEnv(fake, SECRET),
  };
  api = await startProcess('api', env);
  fake.webhookUrl = `http://127.0.0.1:${api.port}/webhooks/stripe`;
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await fake?.close();
  await db?.close();
});

async function checkoutFor(userId: string): Promise<string> {
  const token = await signToken(DEV_JWT_SECRET, userId, 'USER', 600);
  const data = await must<{ createCheckoutSession: { sessionId: string } }>(api.port, token, Q.checkout, {
    i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' },
  });
  return data.createCheckoutSession.sessionId;
}

/** How a doomed process ended: SIGKILL at its failpoint, or TIMEOUT (and killed) if it never got there. */
function diedOf(doomed: ServiceProcess): Promise<NodeJS.Signals | 'TIMEOUT' | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      doomed.child.kill('SIGKILL');
      resolve('TIMEOUT');
    }, 30_000);
    doomed.child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

async function allProcessed(userId: string): Promise<boolean> {
  const [row] = await db
    .em()
    .getConnection()
    .execute<{ n: string }[]>(
      `select count(*) as n from webhook_events where status <> 'PROCESSED' and payload -> 'data' -> 'object' ->> 'customer' =
       (select customer_id from stripe_customers where user_id = ?)`,
      [userId],
    );
  return Number(row!.n) === 0;
}

describe('a worker killed in the middle of a grant', () => {
  it.each(['webhook.before-effect:invoice.paid', 'webhook.after-effect:invoice.paid', 'webhook.before-ack:invoice.paid'])(
    'grants exactly once after a kill at %s',
    async (point) => {
      const r = await createUser({ em: db.em() }, { email: `crash-${randomUUID()}@example.com` });
      if (!r.ok) throw new Error(r.error.code);
      const userId = r.value.id;
      const sessionId = await checkoutFor(userId);

      const doomed = await startProcess('worker', { ...env, VP_FAILPOINTS: point });
      const died = diedOf(doomed);
      await fake.completeCheckout(sessionId);
      expect(await died).toBe('SIGKILL');

      const healthy = await startProcess('worker', env);
      try {
        await until('every event processed', () => allProcessed(userId));
        const grants = await db
          .em()
          .getConnection()
          .execute<{ granted_seconds: string }[]>(`select granted_seconds from credit_grants where user_id = ? and source = 'PLAN'`, [userId]);
        expect(grants).toEqual([{ granted_seconds: '12000' }]);
        const report = await verifyLedger({ em: db.em() }, userId);
        expect(report.problems).toEqual([]);
        expect(report.balanceSeconds).toBe(12_000);
      } finally {
        await healthy.stop();
      }
    },
    60_000,
  );
});

describe('a worker killed in the middle of invoicing overage', () => {
  it.each(['webhook.before-effect:invoice.created', 'overage.after-stripe-item', 'webhook.before-ack:invoice.created'])(
    'adds exactly one invoice item after a kill at %s',
    async (point) => {
      const r = await createUser({ em: db.em() }, { email: `crash-ov-${randomUUID()}@example.com` });
      if (!r.ok) throw new Error(r.error.code);
      const userId = r.value.id;
      const sessionId = await checkoutFor(userId);
      const first = await startProcess('worker', env);
      let subscriptionId: string;
      try {
        // a period that ends in four seconds, used 600 s past its 200 minutes
        await fake.completeCheckout(sessionId, new Date(Date.now() - 30 * 86_400_000 + 4000));
        subscriptionId = fake.sessions.get(sessionId)!.subscription as string;
        await until('the first grant', async () => {
          const [g] = await db.em().getConnection().execute<{ n: string }[]>(`select count(*) as n from credit_grants where user_id = ?`, [userId]);
          return Number(g!.n) === 1;
        });
        const used = await recordUsage({ em: db.em(), clock: databaseClock }, { userId, seconds: 12_600, idempotencyKey: 'all-and-more' });
        expect(used.ok && used.value.overageSeconds).toBe(600);
      } finally {
        await first.stop();
      }
      await new Promise((resolve) => setTimeout(resolve, 4200));

      const doomed = await startProcess('worker', { ...env, VP_FAILPOINTS: point });
      const died = diedOf(doomed);
      await fake.renew(subscriptionId);
      expect(await died).toBe('SIGKILL');

      const healthy = await startProcess('worker', env);
      try {
        await until('every event processed', () => allProcessed(userId));
        const customer = fake.sessions.get(sessionId)!.customer as string;
        const items = [...fake.invoiceItems.values()].filter((i) => i.customer === customer);
        expect(items.map((i) => i.amount)).toEqual([300]); // 600 s × 30 c/min, once
        const [row] = await db
          .em()
          .getConnection()
          .execute<{ status: string; stripe_invoice_item_id: string }[]>('select status, stripe_invoice_item_id from overage_invoices where user_id = ?', [
            userId,
          ]);
        expect(row).toEqual({ status: 'INVOICED', stripe_invoice_item_id: items[0]!.id });
        const grants = await db
          .em()
          .getConnection()
          .execute<{ n: string }[]>(`select count(*) as n from credit_grants where user_id = ? and source = 'PLAN'`, [userId]);
        expect(Number(grants[0]!.n)).toBe(2); // the first period's and the renewal's
        expect((await verifyLedger({ em: db.em() }, userId)).problems).toEqual([]);
      } finally {
        await healthy.stop();
      }
    },
    60_000,
  );
});
