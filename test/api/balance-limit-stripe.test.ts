// A paid grant (a top-up from a Stripe webhook) that would pass the largest balance (billing rules
// §4) grants nothing and fails its event at once, without retries, for an operator to see — it
// does not make the webhook retry forever. Stripe is the fake server; everything else is real.
import { randomUUID } from 'node:crypto';
import { limits } from '../../src/config/limits';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_for_the_fake';
let fake: FakeStripe;
let api: TestApi;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET, { QUEUE_PREFIX: `limits-adjust-stripe-${randomUUID().slice(0, 8)}` }));
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

const CHECKOUT = 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId userErrors { code } } }';
const TOP_UP = 'mutation($i: CreateTopUpCheckoutSessionInput!) { createTopUpCheckoutSession(input: $i) { sessionId userErrors { code } } }';
const BALANCE = '{ balance { balanceSeconds } }';
const urls = { successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' };

const sql = <T = Record<string, unknown>>(q: string, p: unknown[] = []) => api.db.em().getConnection().execute<T[]>(q, p);

async function balanceOf(who: Account): Promise<number> {
  const res = await api.gql(BALANCE, {}, who.auth);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.balance.balanceSeconds as number;
}

describe('a paid grant past the largest balance', () => {
  it('grants nothing and fails its webhook event at once, without retries, for an operator', async () => {
    const who = await api.account('USER');
    const started = await api.gql(CHECKOUT, { i: { plan: 'STARTER', ...urls } }, who.auth);
    await fake.completeCheckout(started.body.data!.createCheckoutSession.sessionId);
    await until('the first grant', async () => (await balanceOf(who)) === 12_000);
    // an account 3000 s below the largest balance buys 100 minutes (6000 s)
    await sql(`select vp_grant(?::uuid, 'BONUS', ?::bigint, null, null, 'fill', 'fill', 'fill', null, null, now())`, [
      who.id,
      limits.balanceSecondsMax - 12_000 - 3000,
    ]);
    const full = limits.balanceSecondsMax - 3000;
    expect(await balanceOf(who)).toBe(full);

    const topUp = await api.gql(TOP_UP, { i: { minutes: 100, ...urls } }, who.auth);
    expect(topUp.body.data!.createTopUpCheckoutSession.userErrors).toEqual([]);
    const [event] = await fake.completeCheckout(topUp.body.data!.createTopUpCheckoutSession.sessionId);
    await until('the event failed', async () => {
      const [row] = await sql<{ status: string }>('select status from webhook_events where id = ?', [event!.id]);
      return row?.status === 'FAILED' ? row : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500)); // the backoff would have retried by now
    const [row] = await sql<{ status: string; attempts: number; last_error: string }>('select status, attempts, last_error from webhook_events where id = ?', [
      event!.id,
    ]);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(row!.last_error).toMatch(/BALANCE_LIMIT_EXCEEDED/);
    expect(row!.last_error).toMatch(/largest balance/);
    expect(await balanceOf(who)).toBe(full);
    const purchases = await sql<{ n: string }>(`select count(*) as n from credit_grants where user_id = ? and source = 'PURCHASE'`, [who.id]);
    expect(Number(purchases[0]!.n)).toBe(0);
    const admin = await api.account('ADMIN');
    const jobs = await api.gql('{ failedJobs(first: 100) { queue type eventId attemptsMade } }', {}, admin.auth);
    expect(jobs.body.data!.failedJobs).toEqual(
      expect.arrayContaining([{ queue: 'stripe-webhooks', type: 'process-stripe-event', eventId: event!.id, attemptsMade: 1 }]),
    );
  }, 30_000);
});
