// An immediate cancellation ends the period at once (billing rules §5): the overage so far is fixed
// and billed on a final invoice at Stripe at once, exactly once, and the PLAN seconds left expire —
// whether the user cancels through our API, in Stripe's billing portal, or Stripe ends the
// subscription itself. All of them arrive as customer.subscription.deleted before the period end.
import { randomUUID } from 'node:crypto';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { outcome, type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_cancel_now';
let fake: FakeStripe;
let api: TestApi;
let service: Account;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET, { QUEUE_PREFIX: `vp-cancel-now-${randomUUID().slice(0, 8)}` }));
  service = await api.account('SERVICE');
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

const CHECKOUT = 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId userErrors { code } } }';
const CANCEL = 'mutation($i: CancelMembershipInput!) { cancelMembership(input: $i) { membership { status cancelAtPeriodEnd } userErrors { code } } }';
const USAGE = 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { overageSeconds userErrors { code } } }';
const STATE = '{ balance { balanceSeconds } me { membership { status } } }';

/** A STARTER user through checkout to the first grant; the period (30 days) began `daysAgo` days ago. */
async function signUp(daysAgo = 10): Promise<{ who: Account; subscriptionId: string; customerId: string }> {
  const who = await api.account('USER');
  const started = await api.gql(CHECKOUT, { i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, who.auth);
  const { sessionId } = started.body.data!.createCheckoutSession;
  await fake.completeCheckout(sessionId, new Date(Date.now() - daysAgo * 86_400_000));
  await until('the first grant', async () => (await api.gql(STATE, {}, who.auth)).body.data!.balance.balanceSeconds === 12_000);
  const session = fake.sessions.get(sessionId)!;
  return { who, subscriptionId: session.subscription as string, customerId: session.customer as string };
}

const conn = () => api.db.em().getConnection();

async function period(userId: string) {
  const [p] = await conn().execute<
    { status: string; overage_seconds: string; overage_cents: string | null; expired_seconds: string | null; rollover_seconds: string | null }[]
  >('select status, overage_seconds, overage_cents, expired_seconds, rollover_seconds from usage_periods where user_id = ?', [userId]);
  return p!;
}

async function ledger(userId: string) {
  return conn().execute<{ type: string; amount_seconds: string }[]>('select type, amount_seconds from ledger_entries where user_id = ? order by sequence', [
    userId,
  ]);
}

async function overageLines(userId: string) {
  return conn().execute<{ status: string; amount_cents: string; attempts: number }[]>(
    'select status, amount_cents, attempts from overage_invoices where user_id = ?',
    [userId],
  );
}

const itemsOf = (customerId: string) => [...fake.invoiceItems.values()].filter((i) => i.customer === customerId);
const deletedEventOf = (subscriptionId: string) =>
  until('the deleted event stored', async () => {
    const [row] = await conn().execute<{ id: string; payload: Record<string, unknown>; status: string }[]>(
      `select id, payload, status from webhook_events where type = 'customer.subscription.deleted' and payload -> 'data' -> 'object' ->> 'id' = ?`,
      [subscriptionId],
    );
    return row?.status === 'PROCESSED' ? row : undefined;
  });

describe('immediate cancellation', () => {
  it("bills an immediately cancelled period's overage at once, exactly once, and closes the period", async () => {
    const { who, subscriptionId, customerId } = await signUp();
    const used = await api.gql(USAGE, { i: { userId: who.id, seconds: 12_200, idempotencyKey: 'all-and-200' } }, service.auth);
    expect(used.body.data!.recordUsage).toEqual({ overageSeconds: 200, userErrors: [] }); // 200 s × 30 c/min = 100 c

    const res = await api.gql(CANCEL, { i: { atPeriodEnd: false } }, who.auth);
    expect(res.body.data!.cancelMembership).toEqual({ membership: { status: 'CANCELED', cancelAtPeriodEnd: false }, userErrors: [] });
    expect(fake.subscriptions.get(subscriptionId)!.status).toBe('canceled');

    // closed now, not at the old period end three weeks away
    const closed = await until('the period closed', async () => ((await period(who.id)).status === 'CLOSED' ? period(who.id) : undefined));
    expect(closed).toMatchObject({ overage_seconds: '200', overage_cents: '100', rollover_seconds: '0' });
    const items = await until('the invoice item at Stripe', async () => (itemsOf(customerId).length ? itemsOf(customerId) : undefined));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ amount: 100, currency: 'eur', description: expect.stringMatching(/^Überschreitung: 4 Minuten/) });
    const invoice = fake.invoices.get(items[0]!.invoice as string)!;
    expect(invoice).toMatchObject({ billing_reason: 'manual', status: 'open' });
    expect(await overageLines(who.id)).toEqual([expect.objectContaining({ status: 'INVOICED', amount_cents: '100' })]);

    // Stripe delivers the deleted event again (and the sweeps keep running): nothing changes
    const deleted = await deletedEventOf(subscriptionId);
    const before = { ledger: await ledger(who.id), period: await period(who.id), invoices: fake.invoices.size };
    const replay = { ...deleted.payload, id: `evt_replay_${randomUUID()}` };
    expect(await fake.deliver(deleted.payload)).toBe(200);
    expect(await fake.deliver(replay)).toBe(200);
    await until('the replay processed', async () => {
      const [row] = await conn().execute<{ status: string }[]>('select status from webhook_events where id = ?', [replay.id]);
      return row?.status === 'PROCESSED';
    });
    await new Promise((r) => setTimeout(r, 800));
    expect(itemsOf(customerId)).toHaveLength(1);
    expect(fake.invoices.size).toBe(before.invoices);
    expect(await ledger(who.id)).toEqual(before.ledger);
    expect(await period(who.id)).toEqual(before.period);
    expect(await overageLines(who.id)).toEqual([expect.objectContaining({ status: 'INVOICED', attempts: 1 })]);
    expect(outcome(await api.gql(CANCEL, { i: { atPeriodEnd: false } }, who.auth), 'cancelMembership')).toBe('MEMBERSHIP_NOT_FOUND');
  }, 40_000);

  it("expires the remaining PLAN seconds at once when the subscription is cancelled in Stripe's portal", async () => {
    const { who, subscriptionId, customerId } = await signUp();
    const used = await api.gql(USAGE, { i: { userId: who.id, seconds: 2_000, idempotencyKey: 'some' } }, service.auth);
    expect(used.body.data!.recordUsage.userErrors).toEqual([]);

    await fake.cancelFromPortal(subscriptionId);
    const sub = fake.subscriptions.get(subscriptionId)!;
    expect(sub).toMatchObject({ status: 'canceled' });
    expect(sub.ended_at).toBe(sub.canceled_at);
    expect(sub.ended_at).toBeLessThan(sub.items.data[0].current_period_end);

    const closed = await until('the period closed', async () => ((await period(who.id)).status === 'CLOSED' ? period(who.id) : undefined));
    expect(closed).toMatchObject({ expired_seconds: '10000', overage_seconds: '0', overage_cents: '0', rollover_seconds: '0' });
    expect(await ledger(who.id)).toEqual([
      { type: 'PLAN_GRANT', amount_seconds: '12000' },
      { type: 'USAGE', amount_seconds: '-2000' },
      { type: 'EXPIRY', amount_seconds: '-10000' },
    ]);
    const state = (await api.gql(STATE, {}, who.auth)).body.data!;
    expect(state).toEqual({ balance: { balanceSeconds: 0 }, me: { membership: { status: 'CANCELED' } } });
    const [grant] = await conn().execute<{ remaining_seconds: string; expired_seconds: string }[]>(
      `select remaining_seconds, expired_seconds from credit_grants where user_id = ? and source = 'PLAN'`,
      [who.id],
    );
    expect(grant).toEqual({ remaining_seconds: '0', expired_seconds: '10000' });
    expect(itemsOf(customerId)).toHaveLength(0); // no overage, nothing to bill
    expect(await overageLines(who.id)).toEqual([]);

    // a usage after the end finds no credits and takes no overage
    const after = await api.gql(USAGE, { i: { userId: who.id, seconds: 60, idempotencyKey: 'after-the-end' } }, service.auth);
    expect(outcome(after, 'recordUsage')).toBe('INSUFFICIENT_CREDITS');

    // the event again: no second expiry
    const deleted = await deletedEventOf(subscriptionId);
    expect(await fake.deliver({ ...deleted.payload, id: `evt_replay_${randomUUID()}` })).toBe(200);
    await new Promise((r) => setTimeout(r, 800));
    expect((await ledger(who.id)).filter((e) => e.type === 'EXPIRY')).toHaveLength(1);
  }, 40_000);

  it('bills the overage once when Stripe itself ends the subscription, and a failed invoice is retried by the sweep', async () => {
    const { who, subscriptionId, customerId } = await signUp();
    await api.gql(USAGE, { i: { userId: who.id, seconds: 12_120, idempotencyKey: 'all-and-2-min' } }, service.auth);
    // Stripe refuses the first invoice item (an outage): the line fails and the sweep takes it
    fake.failNext.add('POST /v1/invoiceitems');
    await fake.cancelFromPortal(subscriptionId, { reason: 'payment_failed' });
    const failed = await until('the failed attempt', async () => {
      const [line] = await overageLines(who.id);
      return line?.status === 'FAILED' ? line : undefined;
    });
    expect(failed).toMatchObject({ amount_cents: '60', attempts: 1 });
    expect((await period(who.id)).status).toBe('CLOSED');
    // the retry waits for its backoff (two minutes after one failure): made due here
    await conn().execute(`update overage_invoices set last_attempt_at = now() - interval '1 hour', created_at = now() - interval '1 hour' where user_id = ?`, [
      who.id,
    ]);
    const items = await until('the invoice item at Stripe', async () => (itemsOf(customerId).length ? itemsOf(customerId) : undefined));
    expect(items).toEqual([expect.objectContaining({ amount: 60 })]);
    await until('invoiced', async () => (await overageLines(who.id))[0]?.status === 'INVOICED');
    await new Promise((r) => setTimeout(r, 600));
    expect(itemsOf(customerId)).toHaveLength(1);
  }, 40_000);

  it('keeps a cancellation at the period end open until then', async () => {
    const { who, subscriptionId, customerId } = await signUp();
    await api.gql(USAGE, { i: { userId: who.id, seconds: 12_060, idempotencyKey: 'all-and-1-min' } }, service.auth);
    const res = await api.gql(CANCEL, { i: { atPeriodEnd: true } }, who.auth);
    expect(res.body.data!.cancelMembership).toEqual({ membership: { status: 'ACTIVE', cancelAtPeriodEnd: true }, userErrors: [] });
    expect(fake.subscriptions.get(subscriptionId)!.status).toBe('active');
    await new Promise((r) => setTimeout(r, 800));
    expect((await period(who.id)).status).toBe('OPEN');
    expect(itemsOf(customerId)).toHaveLength(0);
  }, 40_000);

  it('keeps a cancelled subscription cancelled: an update from before the cancellation delivered late, and a later payment of its open invoice, revive nothing', async () => {
    // the first period ends in a few seconds; then its renewal opens and its payment is declined
    const { who, subscriptionId } = await signUp(30 - 4 / 86_400);
    const periodEnd = fake.subscriptions.get(subscriptionId)!.items.data[0].current_period_end as number;
    await until('the period end passed', async () => Date.now() > periodEnd * 1000 + 1000);
    fake.autoDeliver = false;
    try {
      const [updated, created, failed, pastDue] = await fake.renew(subscriptionId, { fail: true });
      expect(pastDue).toMatchObject({ type: 'customer.subscription.updated', data: { object: { status: 'past_due' } } });
      fake.outbox.length = 0;
      for (const e of [updated!, created!, failed!]) await deliverProcessed(e);
      await until('past due', async () => (await api.gql(STATE, {}, who.auth)).body.data!.me.membership.status === 'PAST_DUE');

      const res = await api.gql(CANCEL, { i: { atPeriodEnd: false } }, who.auth);
      expect(res.body.data!.cancelMembership).toEqual({ membership: { status: 'CANCELED', cancelAtPeriodEnd: false }, userErrors: [] });
      const after = { ledger: await ledger(who.id), state: (await api.gql(STATE, {}, who.auth)).body.data };
      expect(after.state).toEqual({ balance: { balanceSeconds: 0 }, me: { membership: { status: 'CANCELED' } } });

      // Stripe delivers the past_due update, created before the cancellation, only now
      await deliverProcessed(pastDue!);
      expect((await api.gql(STATE, {}, who.auth)).body.data).toEqual(after.state);

      // the open renewal invoice is paid after all (collection resumed by hand): the subscription stays ended
      const invoiceId = (failed!.data as { object: { id: string } }).object.id;
      for (const e of await fake.payInvoice(invoiceId)) await deliverProcessed(e);
      expect(fake.subscriptions.get(subscriptionId)!.status).toBe('canceled');
      // and customer.subscription.deleted arrives last
      const deleted = fake.outbox.filter((e) => e.type === 'customer.subscription.deleted');
      expect(deleted).toHaveLength(1);
      await deliverProcessed(deleted[0]!);
      expect((await api.gql(STATE, {}, who.auth)).body.data).toEqual(after.state);
      expect(await ledger(who.id)).toEqual(after.ledger);
      expect(outcome(await api.gql(CANCEL, { i: { atPeriodEnd: false } }, who.auth), 'cancelMembership')).toBe('MEMBERSHIP_NOT_FOUND');
    } finally {
      fake.outbox.length = 0;
      fake.autoDeliver = true;
    }
  }, 40_000);
});

/** Delivers one event and waits until the inbox has processed it. */
async function deliverProcessed(e: Record<string, unknown>): Promise<void> {
  expect(await fake.deliver(e)).toBe(200);
  await until(`${e.id as string} processed`, async () => {
    const [row] = await conn().execute<{ status: string }[]>('select status from webhook_events where id = ?', [e.id as string]);
    return row?.status === 'PROCESSED';
  });
}
