// Renewals usable from their first second whatever order Stripe's events come in, what is left of a
// renewal Stripe gave up on, checkouts retried with the client's key, and a second subscription that
// Stripe completed anyway — each exactly once under duplicate and reordered events.
import { randomUUID } from 'node:crypto';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { outcome, type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_renewals';
let fake: FakeStripe;
let api: TestApi;
let service: Account;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET));
  service = await api.account('SERVICE');
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const CHECKOUT = 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { url sessionId userErrors { code field } } }';
const TOP_UP =
  'mutation($i: CreateTopUpCheckoutSessionInput!) { createTopUpCheckoutSession(input: $i) { url sessionId amountCents userErrors { code field } } }';
const BALANCE = '{ balance { balanceSeconds } me { membership { status plan { code } } } }';
const URLS = { successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' };

const conn = () => api.db.em().getConnection();
const balance = async (who: Account): Promise<number> => (await api.gql(BALANCE, {}, who.auth)).body.data!.balance.balanceSeconds;
const status = async (who: Account): Promise<string> => (await api.gql(BALANCE, {}, who.auth)).body.data!.me.membership.status;

async function planGrants(userId: string) {
  return conn().execute<{ n: string; awaiting: string; confirmed: string }[]>(
    `select count(*) as n, count(*) filter (where awaiting_payment) as awaiting, count(*) filter (where awaiting_payment = false) as confirmed
       from credit_grants where user_id = ? and source = 'PLAN'`,
    [userId],
  );
}

async function unpaidExpiries(userId: string) {
  return conn().execute<{ amount_seconds: string; metadata: Obj }[]>(
    `select amount_seconds, metadata from ledger_entries where user_id = ? and type = 'EXPIRY' and metadata ->> 'reason' = 'UNPAID_RENEWAL'`,
    [userId],
  );
}

async function processed(ids: string[]): Promise<void> {
  await until('the events processed', async () => {
    const rows = await conn().execute<{ n: string }[]>(
      `select count(*) as n from webhook_events where id = any(?::text[]) and status in ('PROCESSED', 'IGNORED')`,
      [`{${ids.join(',')}}`],
    );
    return Number(rows[0]!.n) === ids.length;
  });
}

/** Every event of the user's customer processed (none received, failed or in processing). */
async function allProcessed(userId: string): Promise<void> {
  await until('every event of the customer processed', async () => {
    const [row] = await conn().execute<{ n: string }[]>(
      `select count(*) as n from webhook_events where status not in ('PROCESSED', 'IGNORED') and payload -> 'data' -> 'object' ->> 'customer' =
         (select customer_id from stripe_customers where user_id = ?)`,
      [userId],
    );
    return Number(row!.n) === 0;
  });
}

/** Stripe's events held back (delivered by the test in the order it chooses). */
async function heldBack<T>(fn: () => Promise<T>): Promise<T> {
  fake.autoDeliver = false;
  try {
    return await fn();
  } finally {
    fake.autoDeliver = true;
    fake.outbox.length = 0;
  }
}

async function signUp(plan: 'STARTER' | 'BUSINESS' = 'STARTER'): Promise<{ who: Account; sessionId: string; subscriptionId: string }> {
  const who = await api.account('USER');
  const started = await api.gql(CHECKOUT, { i: { plan, ...URLS } }, who.auth);
  const { sessionId } = started.body.data!.createCheckoutSession;
  await fake.completeCheckout(sessionId);
  await until('the first grant', async () => (await balance(who)) === (plan === 'STARTER' ? 12_000 : 48_000));
  return { who, sessionId, subscriptionId: fake.sessions.get(sessionId)!.subscription as string };
}

const use = (who: Account, seconds: number) =>
  api.gql(
    'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }',
    { i: { userId: who.id, seconds, idempotencyKey: `use-${randomUUID()}` } },
    service.auth,
  );

describe('renewals are usable from their first second', () => {
  it("grants a renewed period once from its draft invoice when invoice.created comes before the period's move", async () => {
    const { who, subscriptionId } = await signUp();
    const [updated, created, paid] = (await heldBack(() => fake.renew(subscriptionId))) as [Obj, Obj, Obj];
    expect(created.type).toBe('invoice.created');
    expect(await fake.deliver(created)).toBe(200);
    await until('the renewal granted from its draft', async () => (await balance(who)) === 24_000);
    expect(await planGrants(who.id)).toEqual([{ n: '2', awaiting: '1', confirmed: '1' }]);
    // the period's move, the payment, and everything again: confirmed, never granted twice
    for (const e of [updated, paid, created, updated, paid]) expect(await fake.deliver(e)).toBe(200);
    await processed([updated.id, created.id, paid.id]);
    await until('the renewal confirmed', async () => (await planGrants(who.id))[0]!.awaiting === '0');
    expect(await planGrants(who.id)).toEqual([{ n: '2', awaiting: '0', confirmed: '2' }]);
    expect(await balance(who)).toBe(24_000);
    expect((await verifyLedger({ em: api.db.em() }, who.id)).problems).toEqual([]);
  });

  it('marks the renewal grant awaiting payment in the same transaction as the grant', async () => {
    const { who, subscriptionId } = await signUp();
    await fake.renew(subscriptionId, { fail: true });
    await until('the renewal grant', async () => (await balance(who)) === 24_000);
    await allProcessed(who.id);
    // no PLAN grant of a renewal is ever seen without its mark: granted and marked together
    const [row] = await conn().execute<{ awaiting_payment: boolean | null }[]>(
      `select awaiting_payment from credit_grants where user_id = ? and source = 'PLAN' order by created_at desc limit 1`,
      [who.id],
    );
    expect(row!.awaiting_payment).toBe(true);
    const [unmarked] = await conn().execute<{ n: string }[]>(
      `select count(*) as n from credit_grants where user_id = ? and source = 'PLAN' and awaiting_payment is null`,
      [who.id],
    );
    expect(unmarked!.n).toBe('0');
  });
});

describe('a renewal Stripe gives up on', () => {
  it.each(['canceled', 'unpaid'] as const)(
    'expires what is left of the unpaid renewal at once when the subscription becomes %s, once; the used seconds stay on the unpaid invoice',
    async (as) => {
      const { who, subscriptionId } = await signUp();
      const renewal = await fake.renew(subscriptionId, { fail: true });
      const invoiceId = (renewal[2]!.data as Obj).object.id as string;
      await until('PAST_DUE with the renewal usable', async () => (await status(who)) === 'PAST_DUE' && (await balance(who)) === 24_000);
      // the first period's 12,000 s and 700 s of the renewal's
      expect(outcome(await use(who, 12_700), 'recordUsage')).toBe('OK');
      expect(await balance(who)).toBe(11_300);

      const [gaveUp] = await fake.giveUp(subscriptionId, { as });
      await until('the remainder expired', async () => (await balance(who)) === 0);
      await allProcessed(who.id);
      const expiries = await unpaidExpiries(who.id);
      expect(expiries).toHaveLength(1);
      expect(expiries[0]!.amount_seconds).toBe('-11300');
      expect(expiries[0]!.metadata).toMatchObject({ subscription: subscriptionId, invoice: invoiceId, usedSeconds: 700 });
      const audits = await conn().execute<{ after: Obj; subject_id: string }[]>(
        `select after, subject_id from audit_log where action = 'RENEWAL_UNPAID_EXPIRED' and target_user_id = ?`,
        [who.id],
      );
      expect(audits).toEqual([
        { subject_id: subscriptionId, after: expect.objectContaining({ invoice: invoiceId, usedSecondsUnpaid: 700, expiredSeconds: 11_300 }) },
      ]);

      // duplicated and reordered: nothing more
      for (const e of [gaveUp!, { ...gaveUp!, id: `evt_again_${randomUUID()}` }, renewal[2]!, renewal[0]!]) expect(await fake.deliver(e)).toBe(200);
      await allProcessed(who.id);
      expect(await unpaidExpiries(who.id)).toHaveLength(1);
      expect(await balance(who)).toBe(0);
      expect(await conn().execute(`select 1 from audit_log where action = 'RENEWAL_UNPAID_EXPIRED' and target_user_id = ?`, [who.id])).toHaveLength(1);
      const report = await verifyLedger({ em: api.db.em() }, who.id);
      expect(report.problems).toEqual([]);
      expect(report.balanceSeconds).toBe(0);
    },
  );

  it('confirms a renewal paid late and expires nothing of it', async () => {
    const { who, subscriptionId } = await signUp();
    const renewal = await fake.renew(subscriptionId, { fail: true });
    await until('PAST_DUE', async () => (await status(who)) === 'PAST_DUE' && (await balance(who)) === 24_000);
    expect(outcome(await use(who, 12_700), 'recordUsage')).toBe('OK');
    await fake.payInvoice((renewal[2]!.data as Obj).object.id);
    await until('ACTIVE again', async () => (await status(who)) === 'ACTIVE');
    await until('confirmed', async () => (await planGrants(who.id))[0]!.awaiting === '0');
    expect(await balance(who)).toBe(11_300);
    // the subscription ends later (cancelled): its paid renewal is no unpaid one
    await fake.giveUp(subscriptionId, { as: 'canceled' });
    await allProcessed(who.id);
    expect(await unpaidExpiries(who.id)).toEqual([]);
    expect(await conn().execute(`select 1 from audit_log where action = 'RENEWAL_UNPAID_EXPIRED' and target_user_id = ?`, [who.id])).toEqual([]);
    expect((await verifyLedger({ em: api.db.em() }, who.id)).problems).toEqual([]);
  });
});

describe("checkouts retried with the client's idempotency key", () => {
  const sessionCalls = (customer?: string) =>
    fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && (!customer || r.body.customer === customer));

  it('answers the same subscription checkout session for the same key and asks Stripe once, keyed by the user', async () => {
    const who = await api.account('USER');
    const input = { plan: 'STARTER', ...URLS, idempotencyKey: 'tab-1-checkout' };
    const before = fake.sessions.size;
    const first = await api.gql(CHECKOUT, { i: input }, who.auth);
    expect(outcome(first, 'createCheckoutSession')).toBe('OK');
    const again = await api.gql(CHECKOUT, { i: input }, who.auth);
    expect(again.body.data!.createCheckoutSession).toEqual(first.body.data!.createCheckoutSession);
    expect(fake.sessions.size).toBe(before + 1);
    const sessionId = first.body.data!.createCheckoutSession.sessionId as string;
    const calls = sessionCalls(fake.sessions.get(sessionId)!.customer);
    expect(calls.map((c) => c.idempotencyKey)).toEqual([`checkout-${who.id}-tab-1-checkout`]);
    // the same key with another plan: a typed conflict, nothing asked of Stripe
    const other = await api.gql(CHECKOUT, { i: { ...input, plan: 'BUSINESS' } }, who.auth);
    expect(other.body.data!.createCheckoutSession).toMatchObject({
      sessionId: null,
      userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' }],
    });
    expect(sessionCalls(fake.sessions.get(sessionId)!.customer)).toHaveLength(1);
    // once the checkout is completed, a retry still answers its session (not ALREADY_SUBSCRIBED)
    await fake.completeCheckout(sessionId);
    await until('ACTIVE', async () => (await api.gql(BALANCE, {}, who.auth)).body.data!.me.membership?.status === 'ACTIVE');
    const late = await api.gql(CHECKOUT, { i: input }, who.auth);
    expect(late.body.data!.createCheckoutSession).toEqual(first.body.data!.createCheckoutSession);
    // another user's same key is theirs
    const someone = await api.account('USER');
    const theirs = await api.gql(CHECKOUT, { i: input }, someone.auth);
    expect(outcome(theirs, 'createCheckoutSession')).toBe('OK');
    expect(theirs.body.data!.createCheckoutSession.sessionId).not.toBe(sessionId);
  });

  it('answers the same top-up checkout session for the same key, and refuses a reused or malformed key', async () => {
    const { who } = await signUp();
    const input = { minutes: 50, ...URLS, idempotencyKey: 'topup-1' };
    const first = await api.gql(TOP_UP, { i: input }, who.auth);
    expect(first.body.data!.createTopUpCheckoutSession).toMatchObject({ amountCents: 1500, userErrors: [] });
    const again = await api.gql(TOP_UP, { i: input }, who.auth);
    expect(again.body.data!.createTopUpCheckoutSession).toEqual(first.body.data!.createTopUpCheckoutSession);
    const customer = fake.sessions.get(first.body.data!.createTopUpCheckoutSession.sessionId)!.customer as string;
    expect(
      sessionCalls(customer)
        .filter((c) => c.body.mode === 'payment')
        .map((c) => c.idempotencyKey),
    ).toEqual([`checkout-${who.id}-topup-1`]);
    const other = await api.gql(TOP_UP, { i: { ...input, minutes: 60 } }, who.auth);
    expect(outcome(other, 'createTopUpCheckoutSession')).toBe('IDEMPOTENCY_KEY_REUSED');
    // a key used for a subscription checkout is not a top-up's
    const crossed = await api.gql(CHECKOUT, { i: { plan: 'STARTER', ...URLS, idempotencyKey: 'topup-1' } }, who.auth);
    expect(outcome(crossed, 'createCheckoutSession')).toBe('IDEMPOTENCY_KEY_REUSED');
    const calls = sessionCalls(customer).length;
    for (const bad of ['', 'x'.repeat(129), '~internal', 'with space']) {
      const res = await api.gql(TOP_UP, { i: { ...input, idempotencyKey: bad } }, who.auth);
      expect(res.body.data!.createTopUpCheckoutSession.userErrors).toEqual([{ code: 'INVALID_IDEMPOTENCY_KEY', field: 'idempotencyKey' }]);
      const sub = await api.gql(CHECKOUT, { i: { plan: 'STARTER', ...URLS, idempotencyKey: bad } }, who.auth);
      expect(sub.body.data!.createCheckoutSession.userErrors).toEqual([{ code: 'INVALID_IDEMPOTENCY_KEY', field: 'idempotencyKey' }]);
    }
    expect(sessionCalls(customer)).toHaveLength(calls);
  });
});

describe('a second subscription that Stripe completes anyway', () => {
  it('cancels the newer subscription at once, refunds its payment, grants nothing for it and keeps following the first, once', async () => {
    const who = await api.account('USER');
    // two tabs: both checkouts opened before either completed, so neither is ALREADY_SUBSCRIBED
    const tabs: string[] = [];
    for (const plan of ['STARTER', 'BUSINESS']) {
      const res = await api.gql(CHECKOUT, { i: { plan, ...URLS } }, who.auth);
      expect(outcome(res, 'createCheckoutSession')).toBe('OK');
      tabs.push(res.body.data!.createCheckoutSession.sessionId as string);
    }
    await fake.completeCheckout(tabs[0]!);
    await until('the first grant', async () => (await balance(who)) === 12_000);
    const first = fake.sessions.get(tabs[0]!)!.subscription as string;
    // the second completes too; its events come in reverse (the invoice first)
    const events = await heldBack(() => fake.completeCheckout(tabs[1]!));
    const second = fake.sessions.get(tabs[1]!)!.subscription as string;
    for (const e of [...events].reverse()) expect(await fake.deliver(e)).toBe(200);
    await until('the second subscription cancelled at Stripe', async () => fake.subscriptions.get(second)!.status === 'canceled');
    await allProcessed(who.id);
    const paymentOf = (sub: string) =>
      [...fake.invoices.values()].find((i) => i.parent?.subscription_details?.subscription === sub)!.payments.data[0].payment.payment_intent;
    const refunds = () => [...fake.refunds.values()].filter((r) => r.payment_intent === paymentOf(second));
    expect(refunds()).toEqual([expect.objectContaining({ amount: 14_900, status: 'succeeded' })]);
    expect([...fake.refunds.values()].filter((r) => r.payment_intent === paymentOf(first))).toEqual([]);
    expect(fake.subscriptions.get(first)!.status).toBe('active');

    // Stripe ends the cancelled one (customer.subscription.deleted) and delivers everything again
    const sub2 = JSON.parse(JSON.stringify(fake.subscriptions.get(second)));
    const deleted = {
      id: `evt_deleted_${randomUUID()}`,
      object: 'event',
      type: 'customer.subscription.deleted',
      created: Math.floor(Date.now() / 1000) + 5,
      data: { object: sub2 },
    };
    for (const e of [deleted, ...events, ...events.map((x) => ({ ...x, id: `evt_again_${randomUUID()}` }))]) expect(await fake.deliver(e)).toBe(200);
    await allProcessed(who.id);
    expect(refunds()).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path === `/v1/subscriptions/${second}`)).toHaveLength(1);
    const [m] = await conn().execute<{ stripe_subscription_id: string; plan_code: string; status: string }[]>(
      'select stripe_subscription_id, plan_code, status from memberships where user_id = ?',
      [who.id],
    );
    expect(m).toEqual({ stripe_subscription_id: first, plan_code: 'STARTER', status: 'ACTIVE' });
    expect(await balance(who)).toBe(12_000);
    expect(await planGrants(who.id)).toEqual([{ n: '1', awaiting: '0', confirmed: '1' }]);
    const audits = await conn().execute<{ subject_id: string; after: Obj }[]>(
      `select subject_id, after from audit_log where action = 'DUPLICATE_SUBSCRIPTION_CANCELED' and target_user_id = ?`,
      [who.id],
    );
    expect(audits).toEqual([{ subject_id: second, after: expect.objectContaining({ keptSubscription: first, refundedCents: 14_900 }) }]);
    const report = await verifyLedger({ em: api.db.em() }, who.id);
    expect(report.problems).toEqual([]);
    expect(report.balanceSeconds).toBe(12_000);
    // a renewal of the kept one still works
    await fake.renew(first);
    await until('the renewal', async () => (await balance(who)) === 24_000);
  });
});
