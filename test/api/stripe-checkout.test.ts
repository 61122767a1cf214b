// Sign-up to credits with Stripe stood in by the fake server (the real SDK talks to it): checkout,
// signed webhooks stored once and processed by the worker, 200 minutes granted once however often
// Stripe delivers. Refused webhooks store nothing.
import { randomUUID } from 'node:crypto';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { outcome, startTestApi, type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_for_the_fake';
let fake: FakeStripe;
let api: TestApi;
let user: Account;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET));
  user = await api.account('USER');
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

const CHECKOUT = 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { url sessionId userErrors { code field } } }';
const BALANCE = '{ balance { balanceSeconds periodIncludedSeconds } me { membership { status plan { code } currentPeriodEnd } } }';

async function storedEvents(): Promise<{ id: string; status: string }[]> {
  return api.db.em().getConnection().execute('select id, status from webhook_events order by received_at');
}

/** A user through checkout to the first grant; with endsInMs, the first period ends that soon. */
async function signUp(
  plan: 'STARTER' | 'BUSINESS',
  endsInMs?: number,
): Promise<{
  who: Account;
  sessionId: string;
  subscriptionId: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  events: Record<string, any>[];
}> {
  const who = await api.account('USER');
  const started = await api.gql(CHECKOUT, { i: { plan, successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, who.auth);
  const { sessionId } = started.body.data!.createCheckoutSession;
  const at = endsInMs === undefined ? new Date() : new Date(Date.now() - 30 * 86_400_000 + endsInMs);
  const events = await fake.completeCheckout(sessionId, at);
  const included = plan === 'STARTER' ? 12_000 : 48_000;
  await until('the first grant', async () => (await api.gql(BALANCE, {}, who.auth)).body.data!.balance.balanceSeconds === included);
  return { who, sessionId, subscriptionId: fake.sessions.get(sessionId)!.subscription as string, events };
}

async function membership(who: Account) {
  return (await api.gql(BALANCE, {}, who.auth)).body.data!;
}

describe('checkout to credits', () => {
  it("grants the plan's 200 minutes once the first invoice is paid, once however often Stripe delivers", async () => {
    const started = await api.gql(
      CHECKOUT,
      { i: { plan: 'STARTER', successUrl: 'https://app.example.com/ok', cancelUrl: 'https://app.example.com/no' } },
      user.auth,
    );
    expect(outcome(started, 'createCheckoutSession')).toBe('OK');
    const { sessionId, url } = started.body.data!.createCheckoutSession;
    expect(url).toContain(sessionId);
    const customerCalls = fake.requests.filter((r) => r.path === '/v1/customers');
    expect(customerCalls).toHaveLength(1);
    expect(customerCalls[0]!.idempotencyKey).toBe(`customer-${user.id}`);
    expect(fake.sessions.get(sessionId)).toMatchObject({ client_reference_id: user.id, mode: 'subscription', line_items: [{ price: 'price_starter' }] });

    // nothing is granted before the invoice is paid
    expect((await api.gql(BALANCE, {}, user.auth)).body.data!.balance.balanceSeconds).toBe(0);
    const events = await fake.completeCheckout(sessionId);
    const granted = await until('the PLAN grant', async () => {
      const b = await api.gql(BALANCE, {}, user.auth);
      return b.body.data!.balance.balanceSeconds === 12_000 ? b.body.data! : undefined;
    });
    expect(granted.me.membership).toMatchObject({ status: 'ACTIVE', plan: { code: 'STARTER' } });
    expect(granted.balance.periodIncludedSeconds).toBe(12_000);

    // Stripe delivers again (at least once, out of order): still one grant
    for (const e of [...events].reverse()) expect(await fake.deliver(e)).toBe(200);
    for (const e of events) expect(await fake.deliver(e)).toBe(200);
    await until('every event processed', async () => (await storedEvents()).every((e) => e.status === 'PROCESSED'));
    expect(await storedEvents()).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 300));
    expect((await api.gql(BALANCE, {}, user.auth)).body.data!.balance.balanceSeconds).toBe(12_000);
    const grants = await api.db
      .em()
      .getConnection()
      .execute<{ n: string }[]>(`select count(*) as n from credit_grants where user_id = ? and source = 'PLAN'`, [user.id]);
    expect(Number(grants[0]!.n)).toBe(1);
  });

  it('refuses forged, stale and malformed webhooks with 400 and stores nothing', async () => {
    const before = (await storedEvents()).length;
    const event = { id: `evt_${randomUUID()}`, object: 'event', type: 'invoice.paid', created: Math.floor(Date.now() / 1000), data: { object: {} } };
    expect(await fake.deliver(event, { secret: 'whsec_wrong' })).toBe(400);
    expect(await fake.deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 301 })).toBe(400);
    expect(await fake.deliver(event, { rawBody: '{"id": "evt_broken", ' })).toBe(400);
    const unsigned = await fetch(fake.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    expect(unsigned.status).toBe(400);
    expect((await storedEvents()).length).toBe(before);
  });

  it('stores and acknowledges an event type it has no handler for', async () => {
    const event = { id: `evt_${randomUUID()}`, object: 'event', type: 'customer.tax_id.created', created: Math.floor(Date.now() / 1000), data: { object: {} } };
    expect(await fake.deliver(event)).toBe(200);
    await until('ignored', async () => (await storedEvents()).find((e) => e.id === event.id && e.status === 'IGNORED'));
  });

  it('answers STRIPE_NOT_CONFIGURED where Stripe is not set up, and checks its input', async () => {
    const bare = await startTestApi();
    try {
      const u = await bare.account('USER');
      const res = await bare.gql(CHECKOUT, { i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, u.auth);
      expect(outcome(res, 'createCheckoutSession')).toBe('STRIPE_NOT_CONFIGURED');
    } finally {
      await bare.stop();
    }
    const badUrl = await api.gql(CHECKOUT, { i: { plan: 'STARTER', successUrl: 'javascript:alert(1)', cancelUrl: 'https://a.example/no' } }, user.auth);
    expect(badUrl.body.data!.createCheckoutSession.userErrors).toEqual([{ code: 'INVALID_ARGUMENT', field: 'successUrl' }]);
    const service = await api.account('SERVICE');
    expect(
      outcome(
        await api.gql(CHECKOUT, { i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, service.auth),
        'createCheckoutSession',
      ),
    ).toBe('FORBIDDEN');
  });
});

describe('the subscription lifecycle', () => {
  it('refuses a subscription checkout with ALREADY_SUBSCRIBED while a membership is live, and asks Stripe for nothing', async () => {
    const { who } = await signUp('STARTER');
    const sessionsBefore = fake.sessions.size;
    const again = await api.gql(CHECKOUT, { i: { plan: 'BUSINESS', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, who.auth);
    expect(outcome(again, 'createCheckoutSession')).toBe('ALREADY_SUBSCRIBED');
    expect(again.body.data!.createCheckoutSession.url).toBeNull();
    expect(fake.sessions.size).toBe(sessionsBefore);
    // a PAST_DUE membership is live too: plan changes go through changePlan, payment through the portal
    await api.db.em().getConnection().execute(`update memberships set status = 'PAST_DUE' where user_id = ?`, [who.id]);
    const pastDue = await api.gql(CHECKOUT, { i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, who.auth);
    expect(outcome(pastDue, 'createCheckoutSession')).toBe('ALREADY_SUBSCRIBED');
    // once it has ended, a new checkout may start
    await api.db.em().getConnection().execute(`update memberships set status = 'CANCELED' where user_id = ?`, [who.id]);
    const after = await api.gql(CHECKOUT, { i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, who.auth);
    expect(outcome(after, 'createCheckoutSession')).toBe('OK');
  });

  it("grants a renewed period's seconds when the period opens, before its invoice is paid, and confirms them with that invoice", async () => {
    const { who, subscriptionId } = await signUp('STARTER');
    fake.autoDeliver = false;
    let events;
    try {
      events = await fake.renew(subscriptionId);
    } finally {
      fake.autoDeliver = true;
      fake.outbox.length = 0;
    }
    const [updated, created, paid] = events as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>];
    expect(updated.type).toBe('customer.subscription.updated');
    // only the period's move has arrived: the renewal's 200 minutes are usable at once, awaiting payment
    expect(await fake.deliver(updated)).toBe(200);
    await until('the renewal granted at its opening', async () => (await membership(who)).balance.balanceSeconds === 24_000);
    const conn = api.db.em().getConnection();
    const plan = () =>
      conn.execute<{ n: string; awaiting: string }[]>(
        `select count(*) as n, count(*) filter (where awaiting_payment) as awaiting from credit_grants where user_id = ? and source = 'PLAN'`,
        [who.id],
      );
    expect(await plan()).toEqual([{ n: '2', awaiting: '1' }]);
    // usage in the gap is never overage merely because the invoice is not paid yet
    const service = await api.account('SERVICE');
    const used = await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { overageSeconds userErrors { code } } }',
      { i: { userId: who.id, seconds: 10, idempotencyKey: 'renewal-gap-usage' } },
      service.auth,
    );
    expect(used.body.data!.recordUsage).toEqual({ overageSeconds: 0, userErrors: [] });
    // the invoice arrives (twice): confirmed, not granted again
    for (const e of [created, paid, paid, updated]) expect(await fake.deliver(e)).toBe(200);
    await until('the renewal grant confirmed', async () => (await plan())[0]!.awaiting === '0');
    await until('every event processed', async () => (await storedEvents()).every((e) => e.status === 'PROCESSED' || e.status === 'IGNORED'));
    expect(await plan()).toEqual([{ n: '2', awaiting: '0' }]);
    expect((await membership(who)).balance.balanceSeconds).toBe(24_000 - 10);
  });

  it('grants each renewal once at its opening; a failed payment makes the membership PAST_DUE, the grant awaiting payment until it is paid', async () => {
    const { who, subscriptionId } = await signUp('BUSINESS');
    await fake.renew(subscriptionId);
    await until('the renewal grant', async () => (await membership(who)).balance.balanceSeconds === 96_000);
    // Stripe moves the period while the subscription is active, then the payment fails: the
    // renewal's seconds were granted at its opening and stay usable, awaiting payment
    const failed = await fake.renew(subscriptionId, { fail: true });
    await until('PAST_DUE', async () => (await membership(who)).me.membership.status === 'PAST_DUE');
    await until('the renewal granted at its opening', async () => (await membership(who)).balance.balanceSeconds === 144_000);
    const awaiting = () =>
      api.db
        .em()
        .getConnection()
        .execute<{ n: string }[]>(`select count(*) as n from credit_grants where user_id = ? and source = 'PLAN' and awaiting_payment`, [who.id]);
    expect(await awaiting()).toEqual([{ n: '1' }]);
    // no overage while the payment is due: a usage past the balance is refused, nothing written
    const service = await api.account('SERVICE');
    const over = await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { overageSeconds userErrors { code } } }',
      { i: { userId: who.id, seconds: 144_060, idempotencyKey: 'past-due-over' } },
      service.auth,
    );
    expect(outcome(over, 'recordUsage')).toBe('INSUFFICIENT_CREDITS');
    expect((await membership(who)).balance.balanceSeconds).toBe(144_000);
    const invoiceId = (failed[1]!.data.object as { id: string }).id;
    await fake.payInvoice(invoiceId);
    await until('ACTIVE', async () => (await membership(who)).me.membership.status === 'ACTIVE');
    await until('the renewal confirmed, not granted again', async () => (await awaiting())[0]!.n === '0');
    expect((await membership(who)).balance.balanceSeconds).toBe(144_000);
  });

  it('never moves a membership backwards when an older event arrives late', async () => {
    const { who, subscriptionId, events } = await signUp('STARTER');
    await fake.renew(subscriptionId);
    await until('renewed', async () => (await membership(who)).balance.balanceSeconds === 24_000);
    const renewedEnd = (await membership(who)).me.membership.currentPeriodEnd;
    // the very first subscription event (older period, older time) is delivered again, late
    const stale = { ...events[1]!, id: `evt_late_${randomUUID()}` };
    expect(await fake.deliver(stale)).toBe(200);
    await until('processed', async () => (await storedEvents()).find((e) => e.id === stale.id && e.status === 'PROCESSED'));
    expect((await membership(who)).me.membership.currentPeriodEnd).toBe(renewedEnd);
  });
});

describe('top-ups and the overage limit', () => {
  const TOP_UP =
    'mutation($i: CreateTopUpCheckoutSessionInput!) { createTopUpCheckoutSession(input: $i) { url sessionId amountCents userErrors { code field } } }';
  const LIMIT = 'mutation($i: SetOverageLimitInput!) { setOverageLimit(input: $i) { membership { overageLimitCents } userErrors { code field } } }';

  it("buys minutes at the plan's overage rate and grants them once, as PURCHASE credits valid for a year", async () => {
    const { who } = await signUp('STARTER');
    const res = await api.gql(TOP_UP, { i: { minutes: 100, successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, who.auth);
    const { sessionId, amountCents } = res.body.data!.createTopUpCheckoutSession;
    expect(amountCents).toBe(3000); // 100 min × 30 c
    expect(fake.sessions.get(sessionId)).toMatchObject({ mode: 'payment', line_items: [{ price_data: { currency: 'eur', unit_amount: '3000' } }] });
    const [event] = await fake.completeCheckout(sessionId);
    await until('the top-up', async () => (await membership(who)).balance.balanceSeconds === 12_000 + 6000);
    expect(await fake.deliver(event!)).toBe(200);
    expect(await fake.deliver({ ...event!, id: `evt_again_${randomUUID()}`, type: 'checkout.session.async_payment_succeeded' })).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect((await membership(who)).balance.balanceSeconds).toBe(18_000);
    const [grant] = await api.db
      .em()
      .getConnection()
      .execute<{ granted_seconds: string; days: string }[]>(
        `select granted_seconds, round(extract(epoch from expires_at - created_at) / 86400) as days from credit_grants where user_id = ? and source = 'PURCHASE'`,
        [who.id],
      );
    expect(grant).toEqual({ granted_seconds: '6000', days: '365' });
  });

  it('checks the top-up input and needs a membership for its rate', async () => {
    const loner = await api.account('USER');
    const urls = { successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' };
    expect(outcome(await api.gql(TOP_UP, { i: { minutes: 10, ...urls } }, loner.auth), 'createTopUpCheckoutSession')).toBe('MEMBERSHIP_NOT_FOUND');
    expect(outcome(await api.gql(TOP_UP, { i: { minutes: 0, ...urls } }, loner.auth), 'createTopUpCheckoutSession')).toBe('INVALID_ARGUMENT');
    expect(outcome(await api.gql(TOP_UP, { i: { minutes: 10, ...urls } }), 'createTopUpCheckoutSession')).toBe('UNAUTHENTICATED');
  });

  it('lets a user set their own overage limit', async () => {
    const { who } = await signUp('STARTER');
    const ok = await api.gql(LIMIT, { i: { overageLimitCents: 1500 } }, who.auth);
    expect(ok.body.data!.setOverageLimit).toEqual({ membership: { overageLimitCents: 1500 }, userErrors: [] });
    expect(outcome(await api.gql(LIMIT, { i: { overageLimitCents: -1 } }, who.auth), 'setOverageLimit')).toBe('INVALID_ARGUMENT');
    const loner = await api.account('USER');
    expect(outcome(await api.gql(LIMIT, { i: { overageLimitCents: 0 } }, loner.auth), 'setOverageLimit')).toBe('MEMBERSHIP_NOT_FOUND');
    expect(outcome(await api.gql(LIMIT, { i: { overageLimitCents: 0, userId: who.id } }, loner.auth), 'setOverageLimit')).toBe('FORBIDDEN');
    const service = await api.account('SERVICE');
    expect(outcome(await api.gql(LIMIT, { i: { overageLimitCents: 0, userId: who.id } }, service.auth), 'setOverageLimit')).toBe('FORBIDDEN');
  });
});

describe('overage invoicing', () => {
  it('closes the ended period on renewal: PLAN seconds expire and exactly one invoice item with the exact amount', async () => {
    const { who, sessionId } = await signUp('STARTER', 3000); // a period that ends in three seconds
    const service = await api.account('SERVICE');
    const record = (seconds: number, key: string) =>
      api.gql(
        'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { overageSeconds userErrors { code } } }',
        { i: { userId: who.id, seconds, idempotencyKey: key } },
        service.auth,
      );
    expect(outcome(await record(11_000, 'u1'), 'recordUsage')).toBe('OK');
    const over = await record(1000 + 1234, 'u2');
    expect(over.body.data!.recordUsage).toEqual({ overageSeconds: 1234, userErrors: [] });
    await new Promise((r) => setTimeout(r, 3200));

    const subscriptionId = fake.sessions.get(sessionId)!.subscription as string;
    const events = await fake.renew(subscriptionId);
    await until('the overage item', async () => [...fake.invoiceItems.values()].find((i) => i.customer === fake.sessions.get(sessionId)!.customer));
    expect(await fake.deliver(events[1]!)).toBe(200); // the draft again
    await until('processed', async () => (await storedEvents()).filter((e) => events.some((x) => x.id === e.id)).every((e) => e.status === 'PROCESSED'));
    await new Promise((r) => setTimeout(r, 300));

    const items = [...fake.invoiceItems.values()].filter((i) => i.customer === fake.sessions.get(sessionId)!.customer);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ amount: 617, currency: 'eur', invoice: (events[1]!.data as { object: { id: string } }).object.id });
    expect(items[0]!.description).toMatch(/^Überschreitung: 21 Minuten \(\d\d\.\d\d\.\d{4}–\d\d\.\d\d\.\d{4}\)$/);
    const calls = fake.requests.filter((r) => r.path === '/v1/invoiceitems' && r.body.customer === items[0]!.customer);
    expect(calls.every((c) => /^overage-sub_.+-\d+$/.test(c.idempotencyKey ?? ''))).toBe(true);
    const [row] = await api.db
      .em()
      .getConnection()
      .execute<{ status: string; amount_cents: string }[]>('select status, amount_cents from overage_invoices where user_id = ?', [who.id]);
    expect(row).toEqual({ status: 'INVOICED', amount_cents: '617' });
    // the renewal's 200 minutes for the new period; the old period's PLAN seconds were all used
    await until('the renewal grant', async () => (await membership(who)).balance.balanceSeconds === 12_000);
  }, 30_000);
});

describe('operations', () => {
  it('lets an ADMIN see stored events and failed jobs and retry an event; nobody else', async () => {
    const admin = await api.account('ADMIN');
    // an event whose processing fails: an invoice for a customer nobody knows
    const bad = {
      id: `evt_unknown_${randomUUID()}`,
      object: 'event',
      type: 'invoice.paid',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'in_x', object: 'invoice', customer: 'cus_nobody', billing_reason: 'subscription_create', lines: { data: [] }, parent: null } },
    };
    expect(await fake.deliver(bad)).toBe(200);
    await until('failed once', async () => (await storedEvents()).find((e) => e.id === bad.id && e.status === 'FAILED'));
    const listed = await api.gql('{ webhookEvents(status: "FAILED") { id type status attempts lastError } }', {}, admin.auth);
    expect(listed.body.data!.webhookEvents).toEqual(expect.arrayContaining([expect.objectContaining({ id: bad.id, status: 'FAILED', type: 'invoice.paid' })]));
    const retried = await api.gql(
      'mutation($i: RetryWebhookEventInput!) { retryWebhookEvent(input: $i) { event { id status } userErrors { code } } }',
      { i: { id: bad.id } },
      admin.auth,
    );
    expect(retried.body.data!.retryWebhookEvent.userErrors).toEqual([]);
    const ghost = await api.gql(
      'mutation($i: RetryWebhookEventInput!) { retryWebhookEvent(input: $i) { userErrors { code } } }',
      { i: { id: 'evt_ghost' } },
      admin.auth,
    );
    expect(outcome(ghost, 'retryWebhookEvent')).toBe('WEBHOOK_EVENT_NOT_FOUND');
    const jobs = await api.gql('{ failedJobs { id eventId attemptsMade failedReason } }', {}, admin.auth);
    expect(Array.isArray(jobs.body.data!.failedJobs)).toBe(true);
    expect(outcome(await api.gql('{ webhookEvents { id } }', {}, user.auth), 'webhookEvents')).toBe('FORBIDDEN');
    expect(outcome(await api.gql('{ failedJobs { id } }', {}, user.auth), 'failedJobs')).toBe('FORBIDDEN');
    expect(outcome(await api.gql('mutation { retryWebhookEvent(input: {id: "x"}) { userErrors { code } } }', {}, user.auth), 'retryWebhookEvent')).toBe(
      'FORBIDDEN',
    );
  });
});

describe('cancellation', () => {
  it("cancels at the period end and bills the final period's overage on an invoice of its own, once", async () => {
    const { who, sessionId } = await signUp('STARTER', 3000);
    const service = await api.account('SERVICE');
    const used = await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { overageSeconds userErrors { code } } }',
      { i: { userId: who.id, seconds: 12_600, idempotencyKey: 'all-and-more' } },
      service.auth,
    );
    expect(used.body.data!.recordUsage.overageSeconds).toBe(600);

    const cancel = await api.gql('mutation { cancelMembership(input: {}) { membership { cancelAtPeriodEnd status } userErrors { code } } }', {}, who.auth);
    expect(cancel.body.data!.cancelMembership).toEqual({ membership: { cancelAtPeriodEnd: true, status: 'ACTIVE' }, userErrors: [] });
    const subscriptionId = fake.sessions.get(sessionId)!.subscription as string;
    expect(fake.subscriptions.get(subscriptionId)!.cancel_at_period_end).toBe(true);

    await new Promise((r) => setTimeout(r, 3200));
    await fake.endSubscription(subscriptionId);
    const customer = fake.sessions.get(sessionId)!.customer as string;
    const invoice = await until('the final invoice', async () =>
      [...fake.invoices.values()].find((i) => i.customer === customer && i.billing_reason === 'manual' && i.status === 'open'),
    );
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0].amount).toBe(300); // 600 s × 30 c/min
    await new Promise((r) => setTimeout(r, 600)); // further sweeps bill nothing more
    expect([...fake.invoiceItems.values()].filter((i) => i.customer === customer)).toHaveLength(1);
    expect((await membership(who)).me.membership.status).toBe('CANCELED');
    const again = await api.gql('mutation { cancelMembership(input: {atPeriodEnd: false}) { userErrors { code } } }', {}, who.auth);
    expect(outcome(again, 'cancelMembership')).toBe('MEMBERSHIP_NOT_FOUND');
  }, 30_000);
});

describe('permanent failures', () => {
  it('fails an event for a price of no plan at once, without retries, for an operator to see', async () => {
    const { who, subscriptionId } = await signUp('STARTER');
    void who;
    const sub = JSON.parse(JSON.stringify(fake.subscriptions.get(subscriptionId)!));
    sub.items.data[0].price.id = 'price_unknown';
    const event = {
      id: `evt_badprice_${randomUUID()}`,
      object: 'event',
      type: 'customer.subscription.updated',
      created: Math.floor(Date.now() / 1000) + 3600,
      data: { object: sub },
    };
    expect(await fake.deliver(event)).toBe(200);
    await until('failed', async () => (await storedEvents()).find((e) => e.id === event.id && e.status === 'FAILED'));
    await new Promise((r) => setTimeout(r, 1500)); // backoff would have retried by now
    const [row] = await api.db
      .em()
      .getConnection()
      .execute<{ attempts: number; last_error: string }[]>('select attempts, last_error from webhook_events where id = ?', [event.id]);
    expect(row).toMatchObject({ attempts: 1 });
    expect(row!.last_error).toMatch(/no price of a plan/);
    const admin = await api.account('ADMIN');
    const jobs = await api.gql('{ failedJobs(first: 100) { queue type eventId attemptsMade } }', {}, admin.auth);
    expect(jobs.body.data!.failedJobs).toEqual(
      expect.arrayContaining([{ queue: 'stripe-webhooks', type: 'process-stripe-event', eventId: event.id, attemptsMade: 1 }]),
    );
  });
});
