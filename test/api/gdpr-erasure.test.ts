// Erasure (Art. 17) end to end with Stripe stood in by the fake server: a paying customer with
// keys, consents, usage, refunds, an overage invoice and stored webhooks asks for deletion; the job
// cancels the subscription, deletes the customer, pseudonymizes, revokes keys — and afterwards no
// text or JSON column of any table, no export and no audit log output holds their personal data,
// while the books are kept and still verify. eraseUser is idempotent and resumes after a crash.
import { randomUUID } from 'node:crypto';
import { loadConfig, DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import type { Job } from 'bullmq';
import { eraseUser } from '../../src/domain/gdpr/erase-user';
import { overageLineFor } from '../../src/domain/billing/overage-invoice';
import { closeCanceledPeriods } from '../../src/domain/ledger/close-period';
import { createLogger } from '../../src/observability/logger';
import { JOB_HANDLERS, type JobContext } from '../../src/queues/job-handlers';
import { databaseClock } from '../../src/shared/clock';
import { requestAccountDeletion } from '../../src/domain/gdpr/request-account-deletion';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import type { Payments } from '../../src/domain/ports';
import { createUser } from '../../src/domain/users/create-user';
import { createStripeClient } from '../../src/stripe/client';
import { stripePayments } from '../../src/stripe/payments';
import { outcome, type Account, type GqlResponse, type TestApi } from '../support/api';
import { download, findPersonalData } from '../support/personal-data';
import { startStripeApi, stripeEnv } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_gdpr_erasure';
let fake: FakeStripe;
let api: TestApi;
let admin: Account;
let service: Account;
let payments: Payments;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET));
  admin = await api.account('ADMIN');
  service = await api.account('SERVICE');
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: api.db.url, ...stripeEnv(fake, SECRET) });
  payments = stripePayments(createStripeClient(config.stripe!), config.stripe!, api.db.orm);
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

const Q = {
  checkout: 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId userErrors { code } } }',
  balance: '{ balance { balanceSeconds } }',
  createApiKey: 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } userErrors { code } } }',
  grantConsent: 'mutation($i: GrantConsentInput!) { grantConsent(input: $i) { record { id } userErrors { code field } } }',
  revokeConsent: 'mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { record { id } userErrors { code field } } }',
  recordUsage: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { transaction { id } userErrors { code } } }',
  reserve: 'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { reservation { id } userErrors { code } } }',
  grant: 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
  refund: 'mutation($i: RefundUsageInput!) { refundUsage(input: $i) { userErrors { code } } }',
  exportMyData: 'mutation($i: ExportMyDataInput!) { exportMyData(input: $i) { url expiresAt userErrors { code field } } }',
  deletion:
    'mutation($i: RequestAccountDeletionInput!) { requestAccountDeletion(input: $i) { request { userId status requestedAt completedAt } userErrors { code field } } }',
  auditLog:
    'query($t: ID, $after: String) { auditLog(targetUserId: $t, first: 100, after: $after) { edges { node { id occurredAt actorId actorRole action targetUserId subjectId before after } } pageInfo { hasNextPage endCursor } totalCount } }',
  verify: 'query($u: ID!) { verifyLedger(userId: $u) { ok balanceSeconds entriesChecked firstBadSequence } }',
  retry: 'mutation($i: RetryWebhookEventInput!) { retryWebhookEvent(input: $i) { event { id status } userErrors { code } } }',
  me: '{ me { id } }',
  revenue: `query($from: DateTime!, $to: DateTime!) {
    revenueMetrics(from: $from, to: $to) { startMrrCents mrrCents newMrrCents churnedMrrCents customers churnedCustomers arpuCents revenueCents membershipRevenueCents overageRevenueCents }
    customerEconomics(first: 50) { totalCount edges { node { userId revenueCents costCents marginCents } } } }`,
};

interface Customer extends Account {
  email: string;
  customerId: string;
  subscriptionId: string;
}

/** A customer as a person would become one: sign-up, checkout of the plan, the first grant. */
async function customer(email: string, timeZone = 'Europe/Berlin'): Promise<Customer> {
  const r = await createUser({ em: api.db.em() }, { email, timeZone });
  if (!r.ok) throw new Error(r.error.code);
  const token = await signToken(DEV_JWT_SECRET, r.value.id, 'USER', 600);
  const auth = { token };
  const started = await api.gql(Q.checkout, { i: { plan: 'ENTERPRISE', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, auth);
  const { sessionId } = started.body.data!.createCheckoutSession;
  await fake.completeCheckout(sessionId);
  await until('the first grant', async () => (await api.gql(Q.balance, {}, auth)).body.data?.balance.balanceSeconds === 150_000);
  const session = fake.sessions.get(sessionId)!;
  return { id: r.value.id, token, auth, email, customerId: session.customer as string, subscriptionId: session.subscription as string };
}

async function rows(sql: string, params: unknown[] = []) {
  return api.db.em().getConnection().execute<Record<string, any>[]>(sql, params); // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function books(userId: string): Promise<Record<string, number>> {
  const [r] = await rows(
    `select (select count(*) from ledger_entries where user_id = ?) as ledger, (select count(*) from credit_grants where user_id = ?) as grants,
            (select count(*) from usage_records where user_id = ?) as usage, (select count(*) from overage_invoices where user_id = ?) as invoices,
            (select count(*) from consent_records where user_id = ?) as consents, (select count(*) from reservations where user_id = ?) as holds`,
    [userId, userId, userId, userId, userId, userId],
  );
  return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
}

async function auditOutput(userId: string): Promise<string> {
  const pages: unknown[] = [];
  let after: string | null = null;
  do {
    const res: GqlResponse = await api.gql(Q.auditLog, { t: userId, after }, admin.auth);
    const conn = res.body.data!.auditLog as { pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    pages.push(conn);
    after = conn.pageInfo.hasNextPage ? conn.pageInfo.endCursor : null;
  } while (after);
  return JSON.stringify(pages);
}

describe('erasure end to end', () => {
  it('leaves no personal data in any table, export or audit output, keeps the books, and they verify', async () => {
    const tag = randomUUID().slice(0, 8);
    const email = `Anna.Mueller+${tag}@Example.com`;
    const name = `Anna Müller ${tag}`;
    const timeZone = 'America/Argentina/Ushuaia';
    const anna = await customer(email, timeZone);
    const personal = [email, name, timeZone];

    // everything a customer leaves behind
    expect(outcome(await api.gql(Q.createApiKey, { i: { name: `${name}'s laptop` } }, anna.auth), 'createApiKey')).toBe('OK');
    const key = (await api.gql(Q.createApiKey, { i: { name: 'ci' } }, anna.auth)).body.data!.createApiKey.secret as string;
    for (const purpose of ['VOICE_PROCESSING', 'VOICE_RECORDING', 'VOICE_TRAINING']) {
      expect(outcome(await api.gql(Q.grantConsent, { i: { purpose, policyVersion: '2026-11', source: 'web' } }, anna.auth), 'grantConsent')).toBe('OK');
    }
    expect(outcome(await api.gql(Q.revokeConsent, { i: { purpose: 'VOICE_TRAINING', source: 'app:ios' } }, anna.auth), 'revokeConsent')).toBe('OK');
    const used = await api.gql(
      Q.recordUsage,
      { i: { userId: anna.id, seconds: 300, idempotencyKey: 'call-1', callId: 'c-1', description: 'support line' } },
      service.auth,
    );
    expect(outcome(used, 'recordUsage')).toBe('OK');
    expect(outcome(await api.gql(Q.reserve, { i: { userId: anna.id, seconds: 60, idempotencyKey: 'hold-1' } }, service.auth), 'reserveCredits')).toBe('OK');
    expect(
      outcome(
        await api.gql(Q.grant, { i: { userId: anna.id, seconds: 600, source: 'BONUS', reason: 'goodwill', idempotencyKey: 'bonus-1' } }, admin.auth),
        'grantCredits',
      ),
    ).toBe('OK');
    expect(
      outcome(
        await api.gql(Q.refund, { i: { transactionId: used.body.data!.recordUsage.transaction.id, seconds: 60, idempotencyKey: 'refund-1' } }, admin.auth),
        'refundUsage',
      ),
    ).toBe('OK');
    const [period] = await rows('select id from usage_periods where user_id = ?', [anna.id]);
    await rows(
      `insert into overage_invoices (user_id, period_id, subscription_id, customer_id, overage_seconds, amount_cents, description, idempotency_key, status, stripe_invoice_id)
       values (?, ?, ?, ?, 120, 40, 'Überschreitung: 2 Minuten (01.11.2026–30.11.2026)', ?, 'INVOICED', 'in_fake_booked')`,
      [anna.id, period!.id, anna.subscriptionId, anna.customerId, `overage-${anna.subscriptionId}-x`],
    );
    // an event stored before payloads were minimized, with the name and email Stripe sends
    await rows(
      `insert into webhook_events (id, type, payload, status, stripe_created_at, processed_at)
       values (?, 'invoice.paid', ?::jsonb, 'PROCESSED', now(), now())`,
      [
        `evt_legacy_${tag}`,
        JSON.stringify({
          id: `evt_legacy_${tag}`,
          type: 'invoice.paid',
          data: {
            object: {
              object: 'invoice',
              customer: anna.customerId,
              customer_email: email,
              customer_name: name,
              lines: { data: [] },
              footer: `Thank you, ${name}`,
            },
          },
        }),
      ],
    );
    expect(outcome(await api.gql(Q.exportMyData, { i: {} }, anna.auth), 'exportMyData')).toBe('OK');
    // an operator re-runs one of her Stripe events: audited
    const [processed] = await rows(`select id from webhook_events where payload -> 'data' -> 'object' ->> 'customer' = ? and status = 'PROCESSED' limit 1`, [
      anna.customerId,
    ]);
    expect(outcome(await api.gql(Q.retry, { i: { id: processed!.id } }, admin.auth), 'retryWebhookEvent')).toBe('OK');

    // the scan sees her data before: it can fail
    const before = await findPersonalData(api.db.em(), personal);
    expect(before.map((h) => `${h.table}.${h.column}`)).toEqual(
      expect.arrayContaining(['users.email', 'users.time_zone', 'api_keys.name', 'webhook_events.payload']),
    );
    const booksBefore = await books(anna.id);
    // the revenue figures of a window that ends now, and every customer's economics
    const window = { from: new Date(Date.now() - 90 * 86_400_000).toISOString(), to: new Date().toISOString() };
    const revenue = () => api.gql(Q.revenue, window, admin.auth).then((r) => r.body);
    const revenueBefore = await revenue();
    expect(revenueBefore.errors).toBeUndefined();
    expect(revenueBefore.data!.revenueMetrics.revenueCents).toBeGreaterThan(0);
    expect((await verifyLedger({ em: api.db.em() }, anna.id)).ok).toBe(true);

    // she asks twice: one request, one job
    const asked = await api.gql(Q.deletion, { i: {} }, anna.auth);
    expect(asked.body.data!.requestAccountDeletion).toMatchObject({ request: { userId: anna.id }, userErrors: [] });
    const again = await api.gql(Q.deletion, { i: {} }, anna.auth);
    expect(again.body.data!.requestAccountDeletion.request.requestedAt).toBe(asked.body.data!.requestAccountDeletion.request.requestedAt);
    await until('the erasure', async () => (await rows(`select 1 from erasure_requests where user_id = ? and status = 'COMPLETED'`, [anna.id])).length > 0);

    // Stripe: subscription cancelled at once, customer deleted
    expect(fake.customers.has(anna.customerId)).toBe(false);
    expect(fake.subscriptions.get(anna.subscriptionId)!.status).toBe('canceled');
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path === `/v1/customers/${anna.customerId}`)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path === `/v1/subscriptions/${anna.subscriptionId}`)).toHaveLength(1);

    // no personal data left in any text or JSON column of any table
    expect(await findPersonalData(api.db.em(), personal)).toEqual([]);
    const [user] = await rows('select email, time_zone, erased_at from users where id = ?', [anna.id]);
    expect(user).toMatchObject({ email: `erased-${anna.id}@erased.invalid`, time_zone: 'Europe/Berlin' });
    expect(user!.erased_at).not.toBeNull();

    // the books are kept, linked to the pseudonymous id, and still verify; the cancellation was
    // immediate, so the one thing added is the EXPIRY of the PLAN seconds left
    expect(await books(anna.id)).toEqual({ ...booksBefore, ledger: booksBefore.ledger! + 1 });
    expect(await rows(`select 1 from ledger_entries where user_id = ? and type = 'EXPIRY'`, [anna.id])).toHaveLength(1);
    expect(await revenue()).toEqual(revenueBefore);
    expect((await api.gql(Q.verify, { u: anna.id }, admin.auth)).body.data!.verifyLedger).toMatchObject({ ok: true, firstBadSequence: null });
    const [membership] = await rows('select status from memberships where user_id = ?', [anna.id]);
    expect(membership!.status).toBe('CANCELED');
    // the legacy event keeps what processing needs, not who she is
    const [legacy] = await rows('select payload from webhook_events where id = ?', [`evt_legacy_${tag}`]);
    expect(legacy!.payload).toEqual({
      id: `evt_legacy_${tag}`,
      type: 'invoice.paid',
      data: { object: { object: 'invoice', customer: anna.customerId, lines: { data: [] } } },
    });

    // her keys no longer open anything; her consents cannot be changed any more
    const viaKey = await api.gql(Q.me, {}, { apiKey: key });
    expect(outcome(viaKey, 'me')).toBe('UNAUTHENTICATED');
    expect(
      outcome(await api.gql(Q.grantConsent, { i: { purpose: 'VOICE_TRAINING', policyVersion: '2026-11', source: 'web' } }, anna.auth), 'grantConsent'),
    ).toBe('ACCOUNT_ERASED');

    // an export after the erasure holds the books but nothing of her
    const link = await api.gql(Q.exportMyData, { i: { userId: anna.id } }, admin.auth);
    const doc = await download(api.url, link.body.data!.exportMyData.url);
    expect(doc.status).toBe(200);
    const parsed = JSON.parse(doc.text);
    expect(parsed.counts).toMatchObject({ ledger: booksBefore.ledger! + 1, grants: booksBefore.grants, overageInvoices: 1, consents: 4 });
    for (const value of personal) expect(doc.text.toLowerCase()).not.toContain(value.toLowerCase());

    // nor the audit log output, which tells the whole story
    const audit = await auditOutput(anna.id);
    for (const value of personal) expect(audit.toLowerCase()).not.toContain(value.toLowerCase());
    const actions = JSON.parse(audit).flatMap((p: { edges: { node: { action: string } }[] }) => p.edges.map((e) => e.node.action));
    expect(actions).toEqual(
      expect.arrayContaining([
        'API_KEY_CREATED',
        'CONSENT_GRANTED',
        'CONSENT_REVOKED',
        'CREDITS_GRANTED',
        'USAGE_REFUNDED',
        'DATA_EXPORT_REQUESTED',
        'ACCOUNT_DELETION_REQUESTED',
        'USER_ERASED',
      ]),
    );
    expect(actions.filter((a: string) => a === 'ACCOUNT_DELETION_REQUESTED')).toHaveLength(1);
    const erased = JSON.parse(audit)
      .flatMap((p: { edges: { node: Record<string, unknown> }[] }) => p.edges.map((e) => e.node))
      .find((n: { action: string }) => n.action === 'USER_ERASED');
    expect(erased).toMatchObject({
      actorRole: 'SYSTEM',
      actorId: null,
      after: { status: 'COMPLETED', customerDeleted: true, subscriptionsCanceled: 1, apiKeysRevoked: 2 },
    });
    const retried = await rows(`select before, after from audit_log where action = 'WEBHOOK_EVENT_RETRIED' and subject_id = ?`, [processed!.id]);
    expect(retried).toEqual([{ before: { status: 'PROCESSED' }, after: { status: 'PROCESSED' } }]);

    // erasing again changes nothing
    const rerun = await eraseUser({ em: api.db.em(), payments }, { userId: anna.id });
    expect(rerun).toMatchObject({ ok: true, value: { alreadyCompleted: true } });
    expect(await rows(`select 1 from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [anna.id])).toHaveLength(1);
  });
});

describe('eraseUser', () => {
  /** A customer whose deletion is requested without enqueueing a job (the test runs it by hand). */
  async function requested(): Promise<Customer> {
    const c = await customer(`resume-${randomUUID()}@example.com`);
    const r = await requestAccountDeletion({ em: api.db.em(), actor: { id: c.id, role: 'USER' }, jobs: null }, { userId: c.id });
    if (!r.ok) throw new Error(r.error.code);
    return c;
  }

  /** Payments whose `method` is carried out by Stripe the first time, but its answer is lost. */
  function losingFirstAnswer(method: 'deleteCustomer' | 'invoiceFinalOverage'): Payments {
    let lose = true;
    const real = payments[method] as (...args: unknown[]) => Promise<unknown>;
    return {
      ...payments,
      [method]: async (...args: unknown[]) => {
        const r = await real(...args);
        if (lose) {
          lose = false;
          throw new Error('socket hang up');
        }
        return r;
      },
    };
  }

  it('resumes after a crash midway: each Stripe step once, the local part once', async () => {
    const c = await requested();
    // Stripe deletes the customer, then the connection breaks before we record it
    const flaky = losingFirstAnswer('deleteCustomer');
    await expect(eraseUser({ em: api.db.em(), payments: flaky }, { userId: c.id })).rejects.toThrow('socket hang up');
    const [midway] = await rows('select * from erasure_requests where user_id = ?', [c.id]);
    expect(midway).toMatchObject({ status: 'PENDING', customer_deleted_at: null, last_error: 'socket hang up', attempts: 1 });
    expect(midway!.subscriptions_canceled_at).not.toBeNull();
    expect((await rows('select email from users where id = ?', [c.id]))[0]!.email).toBe(c.email);
    expect(fake.customers.has(c.customerId)).toBe(false);
    // Stripe told of the cancellation (customer.subscription.deleted) before the run resumes
    await until(
      'the deleted event processed',
      async () =>
        (
          await rows(
            `select 1 from webhook_events where type = 'customer.subscription.deleted' and status = 'PROCESSED' and payload -> 'data' -> 'object' ->> 'id' = ?`,
            [c.subscriptionId],
          )
        ).length === 1,
    );

    const resumed = await eraseUser({ em: api.db.em(), payments: flaky }, { userId: c.id });
    // the subscription step was done before the crash; the customer is gone already; her checkout's
    // three stored events and the subscription's deletion are cut to their skeleton
    expect(resumed).toEqual({
      ok: true,
      value: {
        userId: c.id,
        alreadyCompleted: false,
        subscriptionsCanceled: 0,
        customerDeleted: false,
        apiKeysRevoked: 0,
        webhookEventsRedacted: 4,
        overageInvoices: 0,
        overageInvoicesDeclined: [],
        unpaidInvoices: [],
        overageNotInvoiced: [],
      },
    });
    const calls = () => fake.requests.filter((r) => r.path.endsWith(c.subscriptionId) || r.path.endsWith(c.customerId)).length;
    const callsAfter = calls();
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith(c.subscriptionId))).toHaveLength(1);
    expect(await eraseUser({ em: api.db.em(), payments: flaky }, { userId: c.id })).toMatchObject({ ok: true, value: { alreadyCompleted: true } });
    expect(calls()).toBe(callsAfter);
    expect((await rows('select email from users where id = ?', [c.id]))[0]!.email).toBe(`erased-${c.id}@erased.invalid`);
    expect(await rows(`select 1 from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [c.id])).toHaveLength(1);
    expect((await verifyLedger({ em: api.db.em() }, c.id)).ok).toBe(true);
  });

  it("bills the open period's overage on a final invoice before the customer goes, once, also when Stripe fails midway", async () => {
    const c = await requested();
    // 2,500 included minutes used up and 1,234 seconds of overage at 20 c/min: 411.33 → 411 c
    const used = await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 150_000 + 1_234, idempotencyKey: 'long-call' } }, service.auth);
    expect(outcome(used, 'recordUsage')).toBe('OK');
    const [open] = await rows('select id, status, overage_seconds from usage_periods where user_id = ?', [c.id]);
    expect(open).toMatchObject({ status: 'OPEN', overage_seconds: '1234' });

    // Stripe makes the invoice, then the answer is lost: the customer must stay, the job retries
    const flaky = losingFirstAnswer('invoiceFinalOverage');
    await expect(eraseUser({ em: api.db.em(), payments: flaky }, { userId: c.id })).rejects.toThrow(/overage of 1 period\(s\) not invoiced yet/);
    expect(fake.customers.has(c.customerId)).toBe(true);
    expect((await rows('select status, customer_deleted_at from erasure_requests where user_id = ?', [c.id]))[0]).toEqual({
      status: 'PENDING',
      customer_deleted_at: null,
    });
    expect((await rows('select status, attempts from overage_invoices where period_id = ?', [open!.id]))[0]).toEqual({ status: 'FAILED', attempts: 1 });

    const done = await eraseUser({ em: api.db.em(), payments: flaky }, { userId: c.id });
    expect(done).toMatchObject({ ok: true, value: { alreadyCompleted: false, customerDeleted: true, overageInvoices: 1, overageInvoicesDeclined: [] } });
    expect(fake.customers.has(c.customerId)).toBe(false);
    // one invoice item and one invoice at Stripe, both made before the customer's deletion
    const items = [...fake.invoiceItems.values()].filter((i) => i.customer === c.customerId);
    expect(items).toEqual([expect.objectContaining({ amount: 411, currency: 'eur', description: expect.stringMatching(/^Überschreitung: 21 Minuten \(/) })]);
    const invoices = [...fake.invoices.values()].filter((i) => i.customer === c.customerId && i.metadata?.periodId === open!.id);
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.status).toBe('paid'); // charged at once, while the customer still had a payment method
    const deletedAt = fake.requests.findIndex((r) => r.method === 'DELETE' && r.path === `/v1/customers/${c.customerId}`);
    const billedAt = fake.requests.map((r, i) => (r.path === '/v1/invoiceitems' && r.body.customer === c.customerId ? i : -1)).filter((i) => i >= 0);
    expect(billedAt).toHaveLength(2); // the first answer lost, then its keyed repeat
    expect(deletedAt).toBeGreaterThan(Math.max(...billedAt));
    expect((await rows('select status, amount_cents, overage_seconds, stripe_invoice_id from overage_invoices where period_id = ?', [open!.id]))[0]).toEqual({
      status: 'INVOICED',
      amount_cents: '411',
      overage_seconds: '1234',
      stripe_invoice_id: invoices[0]!.id,
    });
    // the period ended with the membership: overage fixed in cents, nothing expired or rolled over by it
    expect((await rows('select status, overage_cents, expired_seconds, rollover_seconds from usage_periods where id = ?', [open!.id]))[0]).toEqual({
      status: 'CLOSED',
      overage_cents: '411',
      expired_seconds: '0',
      rollover_seconds: '0',
    });
    expect((await verifyLedger({ em: api.db.em() }, c.id)).ok).toBe(true);

    // afterwards: no overage for the erased account, and no second invoice however often it runs
    const later = await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 60, idempotencyKey: 'after' } }, service.auth);
    expect(outcome(later, 'recordUsage')).toBe('INSUFFICIENT_CREDITS');
    expect(await eraseUser({ em: api.db.em(), payments }, { userId: c.id })).toMatchObject({ ok: true, value: { alreadyCompleted: true } });
    expect([...fake.invoiceItems.values()].filter((i) => i.customer === c.customerId)).toHaveLength(1);
  });

  it('ends the period at once like every immediate cancellation: the PLAN seconds left expire, bought seconds stay', async () => {
    const c = await requested();
    expect(outcome(await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 1_000, idempotencyKey: 'some' } }, service.auth), 'recordUsage')).toBe('OK');
    expect(outcome(await api.gql(Q.grant, { i: { userId: c.id, seconds: 600, source: 'BONUS', idempotencyKey: 'kept' } }, admin.auth), 'grantCredits')).toBe(
      'OK',
    );
    const [open] = await rows('select id from usage_periods where user_id = ?', [c.id]);

    expect(await eraseUser({ em: api.db.em(), payments }, { userId: c.id })).toMatchObject({ ok: true, value: { alreadyCompleted: false } });
    expect((await rows('select status, expired_seconds, rollover_seconds, overage_seconds from usage_periods where id = ?', [open!.id]))[0]).toEqual({
      status: 'CLOSED',
      expired_seconds: '149000',
      rollover_seconds: '0',
      overage_seconds: '0',
    });
    expect(await rows(`select amount_seconds from ledger_entries where user_id = ? and type = 'EXPIRY'`, [c.id])).toEqual([{ amount_seconds: '-149000' }]);
    const verified = await verifyLedger({ em: api.db.em() }, c.id);
    expect(verified).toMatchObject({ ok: true, balanceSeconds: 600 });
    // the subscription's deletion webhook that follows expires nothing more
    await until(
      'the deleted event processed',
      async () =>
        (
          await rows(
            `select 1 from webhook_events where type = 'customer.subscription.deleted' and status = 'PROCESSED' and payload -> 'data' -> 'object' ->> 'id' = ?`,
            [c.subscriptionId],
          )
        ).length === 1,
    );
    expect(await rows(`select 1 from ledger_entries where user_id = ? and type = 'EXPIRY'`, [c.id])).toHaveLength(1);
  });

  it('goes on when the final charge is declined: the invoice stays open at Stripe, named for an operator', async () => {
    const c = await requested();
    expect(outcome(await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 150_000 + 90, idempotencyKey: 'over' } }, service.auth), 'recordUsage')).toBe(
      'OK',
    );
    fake.decliningCustomers.add(c.customerId);
    const r = await eraseUser({ em: api.db.em(), payments }, { userId: c.id });
    if (!r.ok) throw new Error(r.error.code);
    const [invoice] = [...fake.invoices.values()].filter((i) => i.customer === c.customerId && i.metadata?.periodId);
    expect(r.value).toMatchObject({ customerDeleted: true, overageInvoices: 1, overageInvoicesDeclined: [invoice!.id], unpaidInvoices: [invoice!.id] });
    expect(invoice).toMatchObject({ status: 'open' });
    // 90 s at 20 c/min = 30 c: billed (the line is INVOICED), not collected
    expect(await rows('select status, amount_cents from overage_invoices where user_id = ?', [c.id])).toEqual([{ status: 'INVOICED', amount_cents: '30' }]);
    expect(fake.customers.has(c.customerId)).toBe(false);
    const [audit] = await rows(`select after from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [c.id]);
    expect(audit!.after).toMatchObject({ overageInvoices: 1, overageInvoicesDeclined: [invoice!.id], unpaidInvoices: [invoice!.id] });
    // Stripe tells of the failed charge: a one-off invoice, so the ended membership stays ended
    await fake.settled();
    await until(
      'the payment_failed event processed',
      async () =>
        (
          await rows(`select 1 from webhook_events where type = 'invoice.payment_failed' and payload::text like ? and status = 'PROCESSED'`, [
            `%${invoice!.id}%`,
          ])
        ).length > 0,
    );
    expect((await rows('select status from memberships where user_id = ?', [c.id]))[0]!.status).toBe('CANCELED');
  });

  it("charges the final invoice with the subscription's card, and names it when there is none", async () => {
    const withCard = await requested();
    const without = await requested();
    fake.subscriptions.get(without.subscriptionId)!.default_payment_method = null;
    for (const c of [withCard, without]) {
      expect(outcome(await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 150_000 + 60, idempotencyKey: 'over' } }, service.auth), 'recordUsage')).toBe(
        'OK',
      );
    }
    const erase = async (c: Customer) => {
      const r = await eraseUser({ em: api.db.em(), payments }, { userId: c.id });
      if (!r.ok) throw new Error(r.error.code);
      const [invoice] = [...fake.invoices.values()].filter((i) => i.customer === c.customerId && i.metadata?.periodId);
      return { outcome: r.value, invoice: invoice! };
    };
    const charged = await erase(withCard);
    expect(charged.invoice).toMatchObject({ status: 'paid', default_payment_method: fake.subscriptions.get(withCard.subscriptionId)!.default_payment_method });
    expect(charged.outcome).toMatchObject({ overageInvoices: 1, overageInvoicesDeclined: [], unpaidInvoices: [] });
    const uncharged = await erase(without);
    expect(uncharged.invoice).toMatchObject({ status: 'open', default_payment_method: null });
    expect(uncharged.outcome).toMatchObject({
      customerDeleted: true,
      overageInvoices: 1,
      overageInvoicesDeclined: [uncharged.invoice.id],
      unpaidInvoices: [uncharged.invoice.id],
    });
  });

  it('names the invoices still unpaid when the customer goes (a failed renewal), for an operator', async () => {
    const c = await requested();
    await fake.renew(c.subscriptionId, { fail: true });
    const [failed] = [...fake.invoices.values()].filter((i) => i.customer === c.customerId && i.status === 'open');
    expect(failed).toBeDefined();
    const r = await eraseUser({ em: api.db.em(), payments }, { userId: c.id });
    expect(r).toMatchObject({ ok: true, value: { customerDeleted: true, unpaidInvoices: [failed!.id], overageInvoicesDeclined: [] } });
    expect(fake.customers.has(c.customerId)).toBe(false);
    const [audit] = await rows(`select after from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [c.id]);
    expect(audit!.after).toMatchObject({ unpaidInvoices: [failed!.id] });
  });

  it('the close-periods sweep backs off between tries of a failed line, and leaves an account being erased to its erasure', async () => {
    const kept = await customer(`kept-${randomUUID()}@example.com`);
    const going = await requested();
    const lines: Record<string, string> = {};
    for (const c of [kept, going]) {
      expect(outcome(await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 150_000 + 120, idempotencyKey: 'over' } }, service.auth), 'recordUsage')).toBe(
        'OK',
      );
      await rows(`update memberships set status = 'CANCELED' where user_id = ?`, [c.id]);
      const closed = await closeCanceledPeriods({ em: api.db.em(), clock: databaseClock }, { userId: c.id });
      if (!closed.ok) throw new Error(closed.error.code);
      const line = await overageLineFor(api.db.em(), closed.value[0]!.periodId);
      lines[c.id] = line!.id;
      // Stripe failed once, half a minute ago
      await rows(
        `update overage_invoices set status = 'FAILED', attempts = 1, created_at = now() - interval '10 minutes',
                   last_attempt_at = now() - interval '30 seconds' where id = ?`,
        [line!.id],
      );
    }
    const ctx = { orm: api.db.orm, payments, events: { balanceChanged() {}, usageAlerts() {} }, logger: createLogger('silent') } as unknown as JobContext;
    const sweep = () => JOB_HANDLERS['close-periods']({} as Job, ctx);
    const state = async (c: Customer) => (await rows('select status, attempts from overage_invoices where id = ?', [lines[c.id]]))[0];

    await sweep();
    expect(await state(kept)).toEqual({ status: 'FAILED', attempts: 1 }); // the next try is due 2 minutes after the last
    await rows(`update overage_invoices set last_attempt_at = now() - interval '3 minutes' where id = any(?::uuid[])`, [`{${Object.values(lines).join(',')}}`]);
    await sweep();
    expect(await state(kept)).toEqual({ status: 'INVOICED', attempts: 2 });
    expect(await state(going)).toEqual({ status: 'FAILED', attempts: 1 }); // its erasure bills it, charged at once
    const erased = await eraseUser({ em: api.db.em(), payments }, { userId: going.id });
    expect(erased).toMatchObject({ ok: true, value: { overageInvoices: 1, overageInvoicesDeclined: [], unpaidInvoices: [] } });
    expect(await state(going)).toEqual({ status: 'INVOICED', attempts: 2 });
  });

  it('names what is left to collect also when it resumes after the customer was deleted', async () => {
    const c = await requested();
    expect(outcome(await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 150_000 + 60, idempotencyKey: 'over' } }, service.auth), 'recordUsage')).toBe(
      'OK',
    );
    fake.decliningCustomers.add(c.customerId);
    // the customer is deleted, the answer lost; then Stripe no longer lists the gone customer's invoices
    const flaky = losingFirstAnswer('deleteCustomer');
    await expect(eraseUser({ em: api.db.em(), payments: flaky }, { userId: c.id })).rejects.toThrow('socket hang up');
    const [invoice] = [...fake.invoices.values()].filter((i) => i.customer === c.customerId && i.metadata?.periodId);
    const forgetful: Payments = { ...flaky, unpaidInvoices: async () => [] };
    const r = await eraseUser({ em: api.db.em(), payments: forgetful }, { userId: c.id });
    expect(r).toMatchObject({ ok: true, value: { overageInvoices: 0, overageInvoicesDeclined: [invoice!.id], unpaidInvoices: [invoice!.id] } });
    const [audit] = await rows(`select after from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [c.id]);
    expect(audit!.after).toMatchObject({ overageInvoicesDeclined: [invoice!.id], unpaidInvoices: [invoice!.id] });
  });

  it('names an overage line given up after its tries, and still erases', async () => {
    const c = await requested();
    expect(outcome(await api.gql(Q.recordUsage, { i: { userId: c.id, seconds: 150_000 + 60, idempotencyKey: 'over' } }, service.auth), 'recordUsage')).toBe(
      'OK',
    );
    await rows(`update memberships set status = 'CANCELED' where user_id = ?`, [c.id]);
    const closed = await closeCanceledPeriods({ em: api.db.em(), clock: databaseClock }, { userId: c.id });
    if (!closed.ok) throw new Error(closed.error.code);
    const line = await overageLineFor(api.db.em(), closed.value[0]!.periodId);
    await rows(`update overage_invoices set status = 'FAILED', attempts = 10, last_error = 'Stripe was away' where id = ?`, [line!.id]);
    const r = await eraseUser({ em: api.db.em(), payments }, { userId: c.id });
    expect(r).toMatchObject({ ok: true, value: { customerDeleted: true, overageInvoices: 0, overageNotInvoiced: [line!.id] } });
    const [audit] = await rows(`select after from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [c.id]);
    expect(audit!.after).toMatchObject({ overageNotInvoiced: [line!.id] });
  });

  it('runs twice at once and erases once', async () => {
    const c = await requested();
    const both = await Promise.all([0, 1].map(() => eraseUser({ em: api.db.em(), payments }, { userId: c.id })));
    expect(both.every((r) => r.ok)).toBe(true);
    expect(both.filter((r) => r.ok && !r.value.alreadyCompleted)).toHaveLength(1);
    expect(await rows(`select 1 from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [c.id])).toHaveLength(1);
    expect((await rows('select status from erasure_requests where user_id = ?', [c.id]))[0]!.status).toBe('COMPLETED');
  });

  it('answers typed failures and changes nothing: no request, a malformed id, Stripe data without Stripe', async () => {
    const c = await customer(`typed-${randomUUID()}@example.com`);
    expect(await eraseUser({ em: api.db.em(), payments }, { userId: c.id })).toMatchObject({ ok: false, error: { code: 'ERASURE_NOT_REQUESTED' } });
    expect(await eraseUser({ em: api.db.em(), payments }, { userId: 'not-a-uuid' })).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } });
    await requestAccountDeletion({ em: api.db.em(), actor: { id: c.id, role: 'USER' }, jobs: null }, { userId: c.id });
    expect(await eraseUser({ em: api.db.em(), payments: null }, { userId: c.id })).toMatchObject({ ok: false, error: { code: 'STRIPE_NOT_CONFIGURED' } });
    expect((await rows('select email from users where id = ?', [c.id]))[0]!.email).toBe(c.email);
    expect(fake.customers.has(c.customerId)).toBe(true);
    expect((await rows('select status, last_error from erasure_requests where user_id = ?', [c.id]))[0]).toEqual({
      status: 'PENDING',
      last_error: 'STRIPE_NOT_CONFIGURED',
    });
    expect(await rows(`select 1 from audit_log where action = 'USER_ERASED' and target_user_id = ?`, [c.id])).toHaveLength(0);
  });
});
