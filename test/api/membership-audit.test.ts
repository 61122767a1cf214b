// Every change of membership is audited (billing rules §10): checkouts started and completed, plan
// changes requested and applied, cancellations requested and subscriptions ended, overage limits —
// who, what, before and after, each once however often a request is retried or Stripe delivers.
import { randomUUID } from 'node:crypto';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_membership_audit';
let fake: FakeStripe;
let api: TestApi;
let admin: Account;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET, { QUEUE_PREFIX: `vp-membership-audit-${randomUUID().slice(0, 8)}` }));
  admin = await api.account('ADMIN');
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

const CHECKOUT = 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId userErrors { code } } }';
const TOP_UP = 'mutation($i: CreateTopUpCheckoutSessionInput!) { createTopUpCheckoutSession(input: $i) { sessionId amountCents userErrors { code } } }';
const CHANGE = 'mutation($i: ChangePlanInput!) { changePlan(input: $i) { kind userErrors { code } } }';
const CANCEL = 'mutation($i: CancelMembershipInput!) { cancelMembership(input: $i) { userErrors { code } } }';
const LIMIT = 'mutation($i: SetOverageLimitInput!) { setOverageLimit(input: $i) { userErrors { code } } }';
const AUDIT = `query($u: ID!) { auditLog(targetUserId: $u, first: 100) {
  totalCount edges { node { action actorId actorRole targetUserId subjectId before after } } } }`;
const STATE = '{ balance { balanceSeconds } me { membership { status plan { code } } } }';
const URLS = { successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' };

type Entry = {
  action: string;
  actorId: string | null;
  actorRole: string;
  targetUserId: string;
  subjectId: string | null;
  before: unknown;
  after: Record<string, unknown> | null;
};

/** The user's audit entries, oldest first, as an ADMIN reads them. */
async function entries(userId: string): Promise<Entry[]> {
  const res = await api.gql(AUDIT, { u: userId }, admin.auth);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.auditLog.edges.map((e: { node: Entry }) => e.node).reverse();
}
const actions = async (userId: string) => (await entries(userId)).map((e) => e.action);

async function allProcessed(): Promise<void> {
  await until('every stored event processed', async () => {
    const [r] = await api.db
      .em()
      .getConnection()
      .execute<{ n: string }[]>(`select count(*) as n from webhook_events where status not in ('PROCESSED', 'IGNORED')`);
    return Number(r!.n) === 0;
  });
}

describe('audit log of memberships', () => {
  it('records checkouts, plan changes, an overage limit, cancellations and the end of the subscription, each once', async () => {
    const who = await api.account('USER');
    const user = { id: who.id, role: 'USER' };

    // checkout started (by the user) and completed (by Stripe, however often it delivers)
    const started = await api.gql(CHECKOUT, { i: { plan: 'STARTER', ...URLS } }, who.auth);
    const { sessionId } = started.body.data!.createCheckoutSession;
    const checkoutEvents = await fake.completeCheckout(sessionId);
    await until('the first grant', async () => (await api.gql(STATE, {}, who.auth)).body.data!.balance.balanceSeconds === 12_000);
    for (const e of checkoutEvents) await fake.deliver({ ...e, id: `evt_again_${randomUUID()}` });
    await allProcessed();
    const session = fake.sessions.get(sessionId)!;
    const subscriptionId = session.subscription as string;
    const customerId = session.customer as string;
    expect(await entries(who.id)).toEqual([
      {
        action: 'CHECKOUT_STARTED',
        actorId: user.id,
        actorRole: 'USER',
        targetUserId: who.id,
        subjectId: sessionId,
        before: null,
        after: { kind: 'SUBSCRIPTION', sessionId, customerId, planCode: 'STARTER' },
      },
      {
        action: 'CHECKOUT_COMPLETED',
        actorId: null,
        actorRole: 'STRIPE',
        targetUserId: who.id,
        subjectId: sessionId,
        before: null,
        after: { kind: 'SUBSCRIPTION', sessionId, customerId, subscriptionId, paymentStatus: 'paid', planCode: 'STARTER', seconds: null, amountCents: null },
      },
    ]);

    // an upgrade requested (retried with its key: one entry) and applied by Stripe's webhook
    for (let i = 0; i < 2; i++) {
      expect((await api.gql(CHANGE, { i: { plan: 'BUSINESS', idempotencyKey: 'up-1' } }, who.auth)).body.data!.changePlan).toEqual({
        kind: 'UPGRADE',
        userErrors: [],
      });
    }
    await until('the upgrade applied', async () => (await api.gql(STATE, {}, who.auth)).body.data!.me.membership.plan.code === 'BUSINESS');
    await fake.settled();
    await allProcessed();
    const updated = await api.db
      .em()
      .getConnection()
      .execute<{ payload: Record<string, unknown> }[]>(
        `select payload from webhook_events where type = 'customer.subscription.updated' and payload -> 'data' -> 'object' ->> 'id' = ?`,
        [subscriptionId],
      );
    for (const u of updated) await fake.deliver({ ...u.payload, id: `evt_again_${randomUUID()}` });
    await allProcessed();
    // a downgrade requested for the period end
    await api.gql(CHANGE, { i: { plan: 'STARTER', idempotencyKey: 'down-1' } }, who.auth);
    // the request and Stripe's webhook about it race: either may be written first
    let log = (await entries(who.id)).slice(2);
    expect(log).toHaveLength(3);
    expect(log).toEqual(
      expect.arrayContaining([
        {
          action: 'PLAN_CHANGE_REQUESTED',
          actorId: user.id,
          actorRole: 'USER',
          targetUserId: who.id,
          subjectId: subscriptionId,
          before: { planCode: 'STARTER', scheduledPlanCode: null },
          after: { planCode: 'BUSINESS', kind: 'UPGRADE', when: 'NOW', effectiveAt: expect.any(String), paymentPending: false, subscriptionId },
        },
        {
          action: 'PLAN_CHANGED',
          actorId: null,
          actorRole: 'STRIPE',
          targetUserId: who.id,
          subjectId: subscriptionId,
          before: { planCode: 'STARTER' },
          after: { planCode: 'BUSINESS', subscriptionId, status: 'ACTIVE' },
        },
        {
          action: 'PLAN_CHANGE_REQUESTED',
          actorId: user.id,
          actorRole: 'USER',
          targetUserId: who.id,
          subjectId: subscriptionId,
          before: { planCode: 'BUSINESS', scheduledPlanCode: null },
          after: { planCode: 'STARTER', kind: 'DOWNGRADE', when: 'PERIOD_END', effectiveAt: expect.any(String), paymentPending: false, subscriptionId },
        },
      ]),
    );
    expect(log[2]!.after).toMatchObject({ kind: 'DOWNGRADE' });

    // the overage limit, old → new cents
    await api.gql(LIMIT, { i: { overageLimitCents: 1000 } }, who.auth);
    await api.gql(LIMIT, { i: { overageLimitCents: 2500 } }, who.auth);
    // a top-up checkout, started and completed
    const topUp = await api.gql(TOP_UP, { i: { minutes: 10, ...URLS } }, who.auth);
    const { sessionId: topUpId, amountCents } = topUp.body.data!.createTopUpCheckoutSession;
    await fake.completeCheckout(topUpId);
    await allProcessed();
    log = (await entries(who.id)).slice(5);
    expect(log).toEqual([
      expect.objectContaining({ action: 'OVERAGE_LIMIT_SET', actorId: user.id, before: { overageLimitCents: null }, after: { overageLimitCents: 1000 } }),
      expect.objectContaining({ action: 'OVERAGE_LIMIT_SET', actorId: user.id, before: { overageLimitCents: 1000 }, after: { overageLimitCents: 2500 } }),
      expect.objectContaining({
        action: 'CHECKOUT_STARTED',
        actorId: user.id,
        subjectId: topUpId,
        after: { kind: 'TOP_UP', sessionId: topUpId, customerId, minutes: 10, seconds: 600, amountCents },
      }),
      expect.objectContaining({
        action: 'CHECKOUT_COMPLETED',
        actorRole: 'STRIPE',
        subjectId: topUpId,
        after: { kind: 'TOP_UP', sessionId: topUpId, customerId, subscriptionId: null, paymentStatus: 'paid', planCode: null, seconds: 600, amountCents },
      }),
    ]);

    // cancellation at the period end (asked twice: one entry), then now; Stripe ends the subscription
    for (let i = 0; i < 2; i++) expect((await api.gql(CANCEL, { i: { atPeriodEnd: true } }, who.auth)).body.data!.cancelMembership.userErrors).toEqual([]);
    expect((await api.gql(CANCEL, { i: { atPeriodEnd: false } }, who.auth)).body.data!.cancelMembership.userErrors).toEqual([]);
    const deleted = await until('the deleted event processed', async () => {
      const [row] = await api.db
        .em()
        .getConnection()
        .execute<{ payload: Record<string, unknown>; status: string }[]>(
          `select payload, status from webhook_events where type = 'customer.subscription.deleted' and payload -> 'data' -> 'object' ->> 'id' = ?`,
          [subscriptionId],
        );
      return row?.status === 'PROCESSED' ? row : undefined;
    });
    await fake.deliver({ ...deleted.payload, id: `evt_again_${randomUUID()}` });
    await allProcessed();
    log = (await entries(who.id)).slice(9);
    expect(log).toHaveLength(3);
    expect(log[0]!.after).toMatchObject({ when: 'PERIOD_END' });
    expect(log).toEqual(
      expect.arrayContaining([
        {
          action: 'CANCELLATION_REQUESTED',
          actorId: user.id,
          actorRole: 'USER',
          targetUserId: who.id,
          subjectId: subscriptionId,
          before: { status: 'ACTIVE', cancelAtPeriodEnd: false, planCode: 'BUSINESS', scheduledPlanCode: 'STARTER' },
          after: { when: 'PERIOD_END', subscriptionId, cancelAtPeriodEnd: true, stripeStatus: 'active' },
        },
        {
          action: 'CANCELLATION_REQUESTED',
          actorId: user.id,
          actorRole: 'USER',
          targetUserId: who.id,
          subjectId: subscriptionId,
          before: { status: 'ACTIVE', cancelAtPeriodEnd: true, planCode: 'BUSINESS', scheduledPlanCode: null },
          after: { when: 'NOW', subscriptionId, cancelAtPeriodEnd: true, stripeStatus: 'canceled' },
        },
        {
          action: 'SUBSCRIPTION_ENDED',
          actorId: null,
          actorRole: 'STRIPE',
          targetUserId: who.id,
          subjectId: subscriptionId,
          before: expect.objectContaining({ planCode: 'BUSINESS' }),
          after: { status: 'CANCELED', subscriptionId, planCode: 'BUSINESS', currentPeriodEnd: expect.any(String), beforePeriodEnd: true },
        },
      ]),
    );
    expect(await actions(who.id)).toHaveLength(12);

    // the log filters by the new actions and actor role, and a user cannot read it
    const byAction = await api.gql(
      'query($u: ID!) { auditLog(targetUserId: $u, actions: [SUBSCRIPTION_ENDED, CHECKOUT_COMPLETED]) { totalCount edges { node { actorRole } } } }',
      { u: who.id },
      admin.auth,
    );
    expect(byAction.body.data!.auditLog.totalCount).toBe(3);
    expect(byAction.body.data!.auditLog.edges.every((e: { node: { actorRole: string } }) => e.node.actorRole === 'STRIPE')).toBe(true);
    const forbidden = await api.gql(AUDIT, { u: who.id }, who.auth);
    expect(forbidden.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  }, 60_000);
});
