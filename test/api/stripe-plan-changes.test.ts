// Plan changes, the billing portal and reconciliation, over HTTP with the fake Stripe: an upgrade
// applies now and grants the prorated difference once its proration invoice is paid; a downgrade
// waits for the renewal; reconciliation repairs what lost webhooks left behind.
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { outcome, type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_plan_changes';
let fake: FakeStripe;
let api: TestApi;

beforeAll(async () => {
  // reconciliation every second, so the test sees the scheduled job repair things
  ({ fake, api } = await startStripeApi(SECRET, { RECONCILE_INTERVAL_MS: '1000' }));
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

const CHECKOUT = 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId userErrors { code } } }';
const CHANGE =
  'mutation($i: ChangePlanInput!) { changePlan(input: $i) { kind effectiveAt paymentPending membership { plan { code } scheduledPlan { code } scheduledChangeAt } userErrors { code field } } }';
const STATE =
  '{ balance { balanceSeconds periodIncludedSeconds } me { membership { status plan { code } scheduledPlan { code } currentPeriodStart currentPeriodEnd } } }';
const DAY_MS = 86_400_000;

async function state(who: Account) {
  return (await api.gql(STATE, {}, who.auth)).body.data!;
}

/** A user through checkout to the first grant, the period started `daysAgo` days ago. */
async function signUp(plan: 'STARTER' | 'BUSINESS', daysAgo = 0): Promise<{ who: Account; subscriptionId: string; customerId: string }> {
  const who = await api.account('USER');
  const started = await api.gql(CHECKOUT, { i: { plan, successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, who.auth);
  const { sessionId } = started.body.data!.createCheckoutSession;
  await fake.completeCheckout(sessionId, new Date(Date.now() - daysAgo * DAY_MS));
  const included = plan === 'STARTER' ? 12_000 : 48_000;
  await until('the first grant', async () => (await state(who)).balance.balanceSeconds === included);
  const session = fake.sessions.get(sessionId)!;
  return { who, subscriptionId: session.subscription as string, customerId: session.customer as string };
}

async function planGrants(who: Account): Promise<{ granted_seconds: string; reference: string }[]> {
  return api.db
    .em()
    .getConnection()
    .execute(`select granted_seconds, reference from credit_grants where user_id = ? and source = 'PLAN' order by created_at`, [who.id]);
}

describe('upgrade', () => {
  it('moves to the larger plan now and grants the prorated difference once the proration is paid, once', async () => {
    const { who, subscriptionId } = await signUp('STARTER', 10); // a third of the 30-day period is over
    const res = await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'up-1' } }, who.auth);
    expect(res.body.data!.changePlan).toMatchObject({ kind: 'UPGRADE', paymentPending: false, userErrors: [] });
    const update = fake.requests.find((r) => r.method === 'POST' && r.path === `/v1/subscriptions/${subscriptionId}` && r.body.items);
    expect(update).toMatchObject({
      body: { proration_behavior: 'always_invoice', payment_behavior: 'pending_if_incomplete', items: [{ price: 'price_business' }] },
      idempotencyKey: `change-plan-${who.id}-up-1`,
    });

    // the prorated share, from the proration invoice's own period
    const invoice = [...fake.invoices.values()].find(
      (i) => i.billing_reason === 'subscription_update' && i.parent.subscription_details.subscription === subscriptionId,
    )!;
    const { start: changedAt, end } = invoice.lines.data[1].period as { start: number; end: number };
    const periodStart = fake.subscriptions.get(subscriptionId)!.items.data[0].current_period_start as number;
    const prorated = Math.floor((36_000 * (end - changedAt)) / (end - periodStart));
    expect(prorated).toBeGreaterThan(23_900); // about two thirds of 600 minutes
    expect(prorated).toBeLessThanOrEqual(24_000);

    const after = await until('the upgrade grant', async () => {
      const s = await state(who);
      return s.balance.balanceSeconds === 12_000 + prorated && s.me.membership.plan.code === 'BUSINESS' ? s : undefined;
    });
    expect(after.balance.periodIncludedSeconds).toBe(12_000 + prorated);

    // the same request again answers the same and changes nothing; the key with another plan is refused
    const replay = await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'up-1' } }, who.auth);
    expect(replay.body.data!.changePlan).toMatchObject({ kind: 'UPGRADE', userErrors: [] });
    expect(fake.requests.filter((r) => r.path === `/v1/subscriptions/${subscriptionId}` && r.body.items)).toHaveLength(1);
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'ENTERPRISE', idempotencyKey: 'up-1' } }, who.auth), 'changePlan')).toBe('IDEMPOTENCY_KEY_REUSED');

    // Stripe delivers the invoice again, and reconciliation (every second here) sees it too: one grant
    await new Promise((r) => setTimeout(r, 2500));
    expect((await state(who)).balance.balanceSeconds).toBe(12_000 + prorated);
    expect((await planGrants(who)).map((g) => Number(g.granted_seconds))).toEqual([12_000, prorated]);
    expect((await planGrants(who))[1]!.reference).toBe(invoice.id);

    // overage now costs the new plan's rate: 25 c/min
    const service = await api.account('SERVICE');
    const over = await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { overageSeconds userErrors { code } } }',
      { i: { userId: who.id, seconds: 12_000 + prorated + 120, idempotencyKey: 'all-and-2-min' } },
      service.auth,
    );
    expect(over.body.data!.recordUsage).toEqual({ overageSeconds: 120, userErrors: [] });
    const [period] = await api.db
      .em()
      .getConnection()
      .execute<{ plan_code: string; overage_cents_per_minute: string }[]>(`select plan_code, overage_cents_per_minute from usage_periods where user_id = ?`, [
        who.id,
      ]);
    expect(period).toEqual({ plan_code: 'BUSINESS', overage_cents_per_minute: '25' });
  }, 30_000);
});

describe('upgrade in a renewed period', () => {
  it('grants only the prorated difference, and every webhook of the renewal and the upgrade is processed', async () => {
    const { who, subscriptionId } = await signUp('STARTER');
    await fake.renew(subscriptionId);
    await until('the renewal grant', async () => (await planGrants(who)).length === 2);
    const res = await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'renewed-up' } }, who.auth);
    expect(res.body.data!.changePlan).toMatchObject({ kind: 'UPGRADE', userErrors: [] });
    await until('the upgrade grant', async () => (await planGrants(who)).length === 3);
    await fake.settled();
    const open = await until('every webhook processed', async () => {
      const rows = await api.db
        .em()
        .getConnection()
        .execute<{ n: string }[]>(
          `select count(*) as n from webhook_events where status not in ('PROCESSED', 'IGNORED') and position(? in payload::text) > 0`,
          [subscriptionId],
        );
      return Number(rows[0]!.n) === 0 ? rows : undefined;
    });
    expect(open).toBeDefined();
    const grants = (await planGrants(who)).map((g) => Number(g.granted_seconds));
    expect(grants.slice(0, 2)).toEqual([12_000, 12_000]);
    expect(grants[2]).toBeGreaterThan(0); // the prorated share of the 600 minutes' difference
    expect(grants[2]).toBeLessThanOrEqual(36_000);
  }, 30_000);
});

describe('upgrade right after a renewal, its events first', () => {
  it('grants the renewed period at the plan its invoice charged and the upgrade the difference, once, whatever order the events arrive in', async () => {
    const { who, subscriptionId } = await signUp('STARTER');
    fake.autoDeliver = false;
    let renewal: Record<string, unknown>[];
    let upgrade: Record<string, unknown>[];
    try {
      await fake.renew(subscriptionId);
      await fake.settled();
      renewal = fake.outbox.splice(0);
      const res = await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'up-after-renewal' } }, who.auth);
      expect(res.body.data!.changePlan).toMatchObject({ kind: 'UPGRADE', userErrors: [] });
      await fake.settled();
      upgrade = fake.outbox.splice(0);
    } finally {
      fake.autoDeliver = true;
    }
    // the upgrade's subscription.updated and proration invoice arrive before the renewal's own events
    for (const e of [...upgrade, ...renewal]) await fake.deliver(e);
    const open = await until(
      'every webhook processed',
      async () => {
        const rows = await api.db
          .em()
          .getConnection()
          .execute<{ n: string }[]>(
            `select count(*) as n from webhook_events where status not in ('PROCESSED', 'IGNORED') and position(? in payload::text) > 0`,
            [subscriptionId],
          );
        return Number(rows[0]!.n) === 0 ? rows : undefined;
      },
      20_000,
    );
    expect(open).toBeDefined();
    // the events arrive out of order, so the grants may be written in any order: compare them sorted
    const grants = (await planGrants(who)).map((g) => Number(g.granted_seconds)).sort((a, b) => a - b);
    expect(grants).toHaveLength(3);
    expect(grants.slice(0, 2)).toEqual([12_000, 12_000]); // the first period, and the renewal charged at STARTER
    expect(grants[2]).toBeGreaterThan(35_000); // the whole period's difference, less the seconds already gone
    expect(grants[2]).toBeLessThanOrEqual(36_000);
  }, 45_000);
});

describe('downgrade', () => {
  it('releases a scheduled downgrade when the membership is set to cancel at the period end', async () => {
    const { who, subscriptionId } = await signUp('BUSINESS');
    await api.gql(CHANGE, { i: { plan: 'STARTER', idempotencyKey: 'down-then-cancel' } }, who.auth);
    const scheduleId = fake.subscriptions.get(subscriptionId)!.schedule as string;
    const res = await api.gql(
      'mutation($i: CancelMembershipInput!) { cancelMembership(input: $i) { userErrors { code } } }',
      { i: { atPeriodEnd: true } },
      who.auth,
    );
    expect(res.body.data!.cancelMembership.userErrors).toEqual([]);
    expect(fake.schedules.get(scheduleId)!.status).toBe('released');
    expect((await state(who)).me.membership.scheduledPlan).toBeNull();
  });

  it('waits for the period end: the renewal switches the price and grants the smaller plan', async () => {
    const { who, subscriptionId } = await signUp('BUSINESS');
    const res = await api.gql(CHANGE, { i: { plan: 'STARTER', idempotencyKey: 'down-1' } }, who.auth);
    const periodEnd = (await state(who)).me.membership.currentPeriodEnd;
    expect(res.body.data!.changePlan).toEqual({
      kind: 'DOWNGRADE',
      effectiveAt: periodEnd,
      paymentPending: false,
      membership: { plan: { code: 'BUSINESS' }, scheduledPlan: { code: 'STARTER' }, scheduledChangeAt: periodEnd },
      userErrors: [],
    });
    const sub = fake.subscriptions.get(subscriptionId)!;
    const schedule = fake.schedules.get(sub.schedule as string)!;
    expect(schedule.phases.map((p: { items: { price: string }[] }) => p.items[0]!.price)).toEqual(['price_business', 'price_starter']);
    expect(sub.items.data[0].price.id).toBe('price_business'); // nothing changes before the renewal

    await fake.renew(subscriptionId);
    const renewed = await until('the renewal on the smaller plan', async () => {
      const s = await state(who);
      return s.me.membership.plan.code === 'STARTER' && s.balance.balanceSeconds === 48_000 + 12_000 ? s : undefined;
    });
    expect(renewed.me.membership.scheduledPlan).toBeNull();
    expect((await planGrants(who)).map((g) => Number(g.granted_seconds))).toEqual([48_000, 12_000]);
  });

  it('keeps the downgrade when the same request comes again after our record of it was lost (a crash)', async () => {
    const { who, subscriptionId } = await signUp('BUSINESS');
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'STARTER', idempotencyKey: 'down-r' } }, who.auth), 'changePlan')).toBe('OK');
    const scheduleId = fake.subscriptions.get(subscriptionId)!.schedule as string;
    // the process died after Stripe's calls and before it kept the answer
    await api.db.em().getConnection().execute('delete from idempotency_records where user_id = ? and key = ?', [who.id, 'down-r']);
    const again = await api.gql(CHANGE, { i: { plan: 'STARTER', idempotencyKey: 'down-r' } }, who.auth);
    expect(again.body.data!.changePlan).toMatchObject({ kind: 'DOWNGRADE', membership: { scheduledPlan: { code: 'STARTER' } }, userErrors: [] });
    expect(fake.schedules.get(scheduleId)!.status).toBe('active');
    expect(fake.subscriptions.get(subscriptionId)!.schedule).toBe(scheduleId);
    expect(fake.requests.filter((r) => r.path === `/v1/subscription_schedules/${scheduleId}/release`)).toHaveLength(0);
  });

  it('drops a scheduled downgrade when the user asks for the current plan again', async () => {
    const { who, subscriptionId } = await signUp('BUSINESS');
    await api.gql(CHANGE, { i: { plan: 'STARTER', idempotencyKey: 'down-2' } }, who.auth);
    const scheduleId = fake.subscriptions.get(subscriptionId)!.schedule as string;
    const back = await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'keep-2' } }, who.auth);
    expect(back.body.data!.changePlan).toMatchObject({
      kind: 'DOWNGRADE_CANCELED',
      membership: { plan: { code: 'BUSINESS' }, scheduledPlan: null },
      userErrors: [],
    });
    expect(fake.schedules.get(scheduleId)!.status).toBe('released');
    expect(fake.subscriptions.get(subscriptionId)!.schedule).toBeNull();
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'keep-3' } }, who.auth), 'changePlan')).toBe('SAME_PLAN');
  });
});

describe('plan change refusals', () => {
  it('answers typed errors and changes nothing', async () => {
    const loner = await api.account('USER');
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'k' } }, loner.auth), 'changePlan')).toBe('MEMBERSHIP_NOT_FOUND');
    const { who, subscriptionId } = await signUp('STARTER');
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: '' } }, who.auth), 'changePlan')).toBe('INVALID_IDEMPOTENCY_KEY');
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'x'.repeat(129) } }, who.auth), 'changePlan')).toBe(
      'INVALID_IDEMPOTENCY_KEY',
    );
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'STARTER', idempotencyKey: 'same' } }, who.auth), 'changePlan')).toBe('SAME_PLAN');
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'GOLD', idempotencyKey: 'k' } }, who.auth), 'changePlan')).toBe('BAD_USER_INPUT');
    const service = await api.account('SERVICE');
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'k' } }, service.auth), 'changePlan')).toBe('FORBIDDEN');
    // a membership that ends at the period end changes no more
    await api.gql('mutation { cancelMembership(input: {}) { userErrors { code } } }', {}, who.auth);
    expect(outcome(await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'k2' } }, who.auth), 'changePlan')).toBe('MEMBERSHIP_NOT_ACTIVE');
    expect(fake.requests.filter((r) => r.path === `/v1/subscriptions/${subscriptionId}` && r.body.items)).toHaveLength(0);
    expect((await state(who)).me.membership.plan.code).toBe('STARTER');
  });
});

describe('billing portal', () => {
  const PORTAL = 'mutation($i: CreateBillingPortalSessionInput!) { createBillingPortalSession(input: $i) { url userErrors { code field } } }';

  it("opens the customer's portal session and checks the return address", async () => {
    const { who, customerId } = await signUp('STARTER');
    const res = await api.gql(PORTAL, { i: { returnUrl: 'https://app.example.com/billing' } }, who.auth);
    expect(res.body.data!.createBillingPortalSession.userErrors).toEqual([]);
    // the portal is a page of the fake's own server (a person can open it: test/api/fake-stripe-pages.test.ts)
    expect(res.body.data!.createBillingPortalSession.url).toMatch(new RegExp(`^${fake.url}/p/session/bps_`));
    // reconciliation (every second here) reads subscriptions meanwhile: the portal's own request
    expect(fake.requests.filter((r) => r.path === '/v1/billing_portal/sessions').at(-1)).toMatchObject({
      path: '/v1/billing_portal/sessions',
      body: { customer: customerId, return_url: 'https://app.example.com/billing' },
    });
    const bad = await api.gql(PORTAL, { i: { returnUrl: 'ftp://x' } }, who.auth);
    expect(bad.body.data!.createBillingPortalSession.userErrors).toEqual([{ code: 'INVALID_ARGUMENT', field: 'returnUrl' }]);
    const service = await api.account('SERVICE');
    expect(outcome(await api.gql(PORTAL, { i: { returnUrl: 'https://a.example' } }, service.auth), 'createBillingPortalSession')).toBe('FORBIDDEN');
  });
});

describe('renewal invoices with more than the plan', () => {
  it("grants the period from the plan's line when an overage item comes first on the paid invoice", async () => {
    const { who, subscriptionId } = await signUp('STARTER');
    fake.autoDeliver = false;
    let events: Awaited<ReturnType<FakeStripe['renew']>>;
    try {
      events = await fake.renew(subscriptionId);
    } finally {
      fake.autoDeliver = true;
    }
    fake.outbox.length = 0;
    // Stripe lists the newest lines first: last period's overage item, then the subscription's line
    const paid = events.find((e) => e.type === 'invoice.paid')!;
    (paid.data.object as { lines: { data: unknown[] } }).lines.data.unshift({
      id: 'il_overage',
      object: 'line_item',
      amount: 617,
      description: 'Überschreitung: 21 Minuten',
      parent: { type: 'invoice_item_details' },
      pricing: null,
    });
    for (const e of events) expect(await fake.deliver(e)).toBe(200);
    // the period's opening grants it already; the invoice.paid with the overage line first is processed and grants nothing more
    await until('the paid invoice processed', async () => {
      const [row] = await api.db.em().getConnection().execute<{ status: string }[]>('select status from webhook_events where id = ?', [paid.id]);
      return row?.status === 'PROCESSED';
    });
    expect((await state(who)).balance.balanceSeconds).toBe(24_000);
  });
});

describe('reconciliation', () => {
  it('repairs a membership and a grant whose webhooks were lost, and late deliveries change nothing', async () => {
    const { who, subscriptionId } = await signUp('STARTER');
    fake.autoDeliver = false; // Stripe's deliveries of the renewal never arrive
    let lost: Awaited<ReturnType<FakeStripe['renew']>>;
    try {
      lost = await fake.renew(subscriptionId);
    } finally {
      fake.autoDeliver = true;
    }
    fake.outbox.length = 0;
    const newEnd = new Date(fake.subscriptions.get(subscriptionId)!.items.data[0].current_period_end * 1000).toISOString();
    const repaired = await until(
      'the reconciliation',
      async () => {
        const s = await state(who);
        return s.me.membership.currentPeriodEnd === newEnd && s.balance.balanceSeconds === 24_000 ? s : undefined;
      },
      15_000,
    );
    expect(repaired.me.membership.status).toBe('ACTIVE');
    // the lost events arrive after all, late: nothing doubles
    for (const e of lost) expect(await fake.deliver(e)).toBe(200);
    await until('processed', async () => {
      const rows = await api.db
        .em()
        .getConnection()
        .execute<{ status: string }[]>('select status from webhook_events where id in (?)', [lost.map((e) => e.id)]);
      return rows.length === lost.length && rows.every((r) => r.status === 'PROCESSED');
    });
    expect((await state(who)).balance.balanceSeconds).toBe(24_000);
    expect((await planGrants(who)).map((g) => Number(g.granted_seconds))).toEqual([12_000, 12_000]);
  }, 30_000);
});
