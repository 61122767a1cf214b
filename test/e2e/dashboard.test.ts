// The product a person sees, in a real browser against the real service (HTTP and WebSocket),
// with only Stripe faked: a customer signs in, buys Business on the fake Checkout page, watches
// 800:00 minutes arrive, sees usage recorded by the voice engine change the balance on screen and
// the 50 % alert arrive as a toast, switches to English; an admin sees the MRR. No console errors.
import type { Page } from 'playwright-core';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { outcome, type Account, type TestApi } from '../support/api';
import { buildWebApp, openBrowser, photographOnFailure, type Browser } from '../support/browser';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_secret_for_the_browser';
const WAIT_MS = 20_000;
let fake: FakeStripe;
let api: TestApi;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  buildWebApp();
  ({ fake, api } = await startStripeApi(SECRET));
  origin = api.url.replace('/graphql', '');
  browser = await openBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await fake?.close();
});

/** Waits until the element shows the text (the page updates itself; nothing reloads it). */
async function shows(page: Page, testId: string, text: string): Promise<void> {
  await page.getByTestId(testId).filter({ hasText: text }).first().waitFor({ timeout: WAIT_MS });
}

async function signIn(page: Page, who: Account): Promise<void> {
  await page.goto(`${origin}/app/`);
  await page.locator('#credential').fill(who.token);
  await page.locator('button[type=submit]').click();
}

async function recordUsage(voiceEngine: Account, userId: string, seconds: number, key: string): Promise<void> {
  const r = await api.gql(
    'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { billedSeconds userErrors { code } } }',
    { i: { userId, seconds, idempotencyKey: key } },
    voiceEngine.auth,
  );
  expect(outcome(r, 'recordUsage')).toBe('OK');
}

describe('the web app in a browser', () => {
  it('a customer buys Business on the checkout page and watches minutes, usage and alerts arrive live; an admin sees the MRR; no console errors', async () => {
    const customer = await api.account('USER');
    const voiceEngine = await api.account('SERVICE');
    const admin = await api.account('ADMIN');
    const { page, context } = browser;
    await photographOnFailure(browser, 'dashboard', async () => {
      // German by default; the token is pasted, never put in the URL
      await signIn(page, customer);
      await shows(page, 'balance', '0:00');
      await page.getByText('live', { exact: true }).waitFor({ timeout: WAIT_MS }); // the WebSocket is connected
      expect(page.url()).toBe(`${origin}/app/`);
      await page.getByRole('heading', { name: 'Mitgliedschaft' }).waitFor();

      // buy Business: the checkout opens in its own window on the fake Stripe's page
      const [checkout] = await Promise.all([context.waitForEvent('page'), page.getByTestId('buy-BUSINESS').click()]);
      await checkout.getByTestId('pay').waitFor({ timeout: WAIT_MS });
      expect(checkout.url()).toMatch(new RegExp(`^${fake.url}/c/cs_`));
      expect(await checkout.getByTestId('total').textContent()).toBe('149,00 €');
      await checkout.getByTestId('pay').click();
      await checkout.getByTestId('checkout-result').waitFor({ timeout: WAIT_MS });
      expect(checkout.url()).toBe(`${origin}/app/checkout/success`);
      await checkout.close();

      // the first invoice is paid: 800 minutes arrive on the open dashboard, without a reload
      await shows(page, 'balance', '800:00');
      await shows(page, 'membership-status', 'ACTIVE');
      await shows(page, 'period-included', '800:00');

      // the voice engine records calls through the API; the balance changes on screen
      await recordUsage(voiceEngine, customer.id, 600, 'e2e-call-1');
      await shows(page, 'balance', '790:00');
      await shows(page, 'available', '790:00');
      await recordUsage(voiceEngine, customer.id, 23_400, 'e2e-call-2');
      await shows(page, 'balance', '400:00');
      await shows(page, 'period-used', '400:00');
      await shows(page, 'toast-INCLUDED_50', '50 % der Inklusivminuten verbraucht');
      await shows(page, 'ledger', 'USAGE');

      // English
      await page.getByTestId('language').selectOption('en');
      await page.getByRole('heading', { name: 'Membership' }).waitFor();
      await shows(page, 'toast-INCLUDED_50', '50 % of the included minutes used');
      await shows(page, 'plan', '€149.00');
      await browser.screenshot('customer-view');

      // the admin console: MRR with the Business membership
      await page.getByTestId('sign-out').click();
      await signIn(page, admin);
      await shows(page, 'admin-mrr', '€149.00');
      await shows(page, 'webhooks', 'invoice.paid');
      await browser.screenshot('admin-view');
    });
    expect(browser.problems).toEqual([]);
  });

  it('the explorer at /explorer runs a subscription over graphql-ws with the token of its Headers tab, offline, without console errors', async () => {
    const customer = await api.account('USER');
    const admin = await api.account('ADMIN');
    const { page } = browser;
    const before = browser.problems.length;
    await photographOnFailure(browser, 'explorer', async () => {
      await page.goto(`${origin}/explorer`);
      await page.locator('.graphiql-execute-button').waitFor({ timeout: WAIT_MS });
      // its editors load after the page: wait for the query and the headers editor
      await page.waitForFunction(
        `(() => { const cms = Array.from(document.querySelectorAll('.CodeMirror')).map((e) => e.CodeMirror).filter(Boolean);
          return cms.length >= 2 && cms.some((c) => c.getValue().includes('authorization')); })()`,
        undefined,
        { timeout: WAIT_MS },
      );
      // the editors are CodeMirror instances: query first, then variables, headers, response
      await page.evaluate(
        ({ token }) => {
          type Cm = { getValue(): string; setValue(v: string): void };
          // runs in the page (the test's own tsconfig has no DOM types)
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<{ CodeMirror: Cm }> } }).document;
          const editors = Array.from(doc.querySelectorAll('.CodeMirror')).map((e) => e.CodeMirror);
          editors[0]!.setValue('subscription Live { balanceChanged { balanceSeconds version } }');
          editors.find((e) => e.getValue().includes('authorization'))!.setValue(JSON.stringify({ authorization: `Bearer ${token}` }));
        },
        { token: customer.token },
      );
      // GraphiQL takes the operation from the editor a moment later (its tab is named after it)
      await page.locator('.graphiql-tab').filter({ hasText: 'Live' }).first().waitFor({ timeout: WAIT_MS });
      await page.locator('.graphiql-execute-button').click();
      await until('the subscription on the socket', () => (api.service.websockets?.stats().subscriptions ?? 0) >= 1);
      const granted = await api.gql(
        'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { balance { balanceSeconds } userErrors { code } } }',
        { i: { userId: customer.id, seconds: 4321, source: 'BONUS', idempotencyKey: 'e2e-explorer-bonus' } },
        admin.auth,
      );
      expect(outcome(granted, 'grantCredits')).toBe('OK');
      await page.locator('.result-window').filter({ hasText: '4321' }).waitFor({ timeout: WAIT_MS });
    });
    expect(browser.problems.slice(before)).toEqual([]);
  });
});
