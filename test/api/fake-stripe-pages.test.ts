// The fake Stripe's hosted pages are clickable and honest: the checkout URL the service hands out
// opens a page on the fake's own 127.0.0.1 server; paying there sends the same webhooks in the same
// order as the programmatic completion the tests use, a failing card and a cancel send none, and
// the portal and hosted invoice pages act as Stripe's do.
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_for_the_pages';
let fake: FakeStripe;
let api: TestApi;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET));
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

const CHECKOUT = 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { url sessionId userErrors { code } } }';
const STATE = '{ balance { balanceSeconds } me { membership { status cancelAtPeriodEnd } } }';

async function checkout(who: Account, plan = 'STARTER'): Promise<{ url: string; sessionId: string }> {
  const r = await api.gql(CHECKOUT, { i: { plan, successUrl: 'https://app.example/ok', cancelUrl: 'https://app.example/no' } }, who.auth);
  return r.body.data!.createCheckoutSession;
}

const post = (url: string, form: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

async function eventTypes(): Promise<string[]> {
  const rows: { type: string }[] = await api.db.em().getConnection().execute('select type from webhook_events order by received_at, id');
  return rows.map((r) => r.type);
}

describe('the fake Stripe checkout page', () => {
  it("opens at the URL the service hands out, on the fake's own server", async () => {
    const who = await api.account('USER');
    const { url, sessionId } = await checkout(who);
    expect(url).toBe(`${fake.url}/c/${sessionId}`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('Pay 49,00 €');
    expect(html).toContain('Pay with a failing card');
    expect(html).toContain('Cancel');
  });

  it('a failing card shows the decline and sends nothing; cancel goes back to the cancel URL and sends nothing', async () => {
    const who = await api.account('USER');
    const { url, sessionId } = await checkout(who);
    const before = (await eventTypes()).length;
    const declined = await post(`${url}/pay`, { card: '4000000000000002' });
    expect(declined.status).toBe(200);
    expect(await declined.text()).toContain('Your card was declined');
    const canceled = await post(`${url}/cancel`, {});
    expect(canceled.status).toBe(303);
    expect(canceled.headers.get('location')).toBe('https://app.example/no');
    await fake.settled();
    expect((await eventTypes()).length).toBe(before);
    expect(fake.sessions.get(sessionId)).toMatchObject({ status: 'open', payment_status: 'unpaid' });
    expect((await api.gql(STATE, {}, who.auth)).body.data!.balance.balanceSeconds).toBe(0);
  });

  it("paying sends Stripe's events in Stripe's order, redirects to the success URL and grants the plan once", async () => {
    const who = await api.account('USER');
    const { url } = await checkout(who);
    const before = (await eventTypes()).length;
    const paid = await post(`${url}/pay`, { card: '4242424242424242' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('https://app.example/ok');
    await until('the grant', async () => (await api.gql(STATE, {}, who.auth)).body.data!.balance.balanceSeconds === 12_000);
    expect((await eventTypes()).slice(before)).toEqual(['checkout.session.completed', 'customer.subscription.created', 'invoice.paid']);
    // a second click on the paid page changes nothing
    const again = await post(`${url}/pay`, { card: '4242424242424242' });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('This checkout is complete');
    expect((await eventTypes()).length).toBe(before + 3);
  });
});

describe('the fake billing portal and hosted invoice pages', () => {
  it('lists the invoices with their hosted pages, cancels at the period end, then now', async () => {
    const who = await api.account('USER');
    const { url } = await checkout(who, 'BUSINESS');
    await post(`${url}/pay`, { card: '4242424242424242' });
    await until('active', async () => (await api.gql(STATE, {}, who.auth)).body.data!.me.membership?.status === 'ACTIVE');
    const portal = await api.gql(
      'mutation($i: CreateBillingPortalSessionInput!) { createBillingPortalSession(input: $i) { url userErrors { code } } }',
      { i: { returnUrl: 'https://app.example/back' } },
      who.auth,
    );
    const portalUrl = portal.body.data!.createBillingPortalSession.url as string;
    expect(portalUrl.startsWith(`${fake.url}/p/session/`)).toBe(true);
    const html = await (await fetch(portalUrl)).text();
    expect(html).toContain('https://app.example/back');
    const invoice = [...fake.invoices.values()].find((i) => i.customer === [...fake.sessions.values()].find((s) => s.url === url)!.customer)!;
    expect(invoice.hosted_invoice_url).toBe(`${fake.url}/i/${invoice.id}`);
    expect(html).toContain(`/i/${invoice.id}`);
    const invoicePage = await fetch(invoice.hosted_invoice_url);
    expect(invoicePage.status).toBe(200);
    expect(await invoicePage.text()).toContain('paid');

    const subscription = [...fake.subscriptions.values()].find((s) => s.customer === invoice.customer)!;
    const atEnd = await post(`${portalUrl}/cancel`, { subscription: subscription.id, when: 'period_end' });
    expect(atEnd.status).toBe(303);
    await until('cancel at period end', async () => (await api.gql(STATE, {}, who.auth)).body.data!.me.membership?.cancelAtPeriodEnd === true);
    await post(`${portalUrl}/cancel`, { subscription: subscription.id, when: 'now' });
    await until('canceled', async () => (await api.gql(STATE, {}, who.auth)).body.data!.me.membership?.status === 'CANCELED');
  });
});
