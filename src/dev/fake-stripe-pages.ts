// The fake Stripe's hosted pages, so a person (or a browser test) can click through what the real
// Stripe hosts: Checkout (pay, pay with a failing card, cancel), the billing portal (cancel at the
// period end or now, a failing card for later charges, invoices) and the hosted invoice page (pay an
// open invoice). Every button fires the same webhooks, in Stripe's order, as the programmatic
// helpers the tests and the demo use (completeCheckout, cancelFromPortal, payInvoice, …).
import type { IncomingMessage, ServerResponse } from 'node:http';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface PageDeps {
  base(): string;
  sessions: Map<string, Obj>;
  portalSessions: Map<string, Obj>;
  subscriptions: Map<string, Obj>;
  invoices: Map<string, Obj>;
  customers: Map<string, Obj>;
  decliningCustomers: Set<string>;
  amounts: Record<string, number>;
  completeCheckout(sessionId: string): Promise<Obj[]>;
  cancelFromPortal(subscriptionId: string): Promise<Obj[]>;
  cancelAtPeriodEnd(subscriptionId: string): Promise<Obj[]>;
  payInvoice(invoiceId: string): Promise<Obj[]>;
  failInvoicePayment(invoiceId: string): Promise<Obj[]>;
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const eur = (cents: number) => `${(cents / 100).toFixed(2).replace('.', ',')} €`;
const day = (unix: number | null | undefined) => (unix ? new Date(unix * 1000).toISOString().slice(0, 10) : '–');

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – fake Stripe</title><link rel="icon" href="data:,">
<style>
body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0;padding:2rem 1rem}
main{max-width:34rem;margin:0 auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 2px 6px rgba(0,0,0,.08)}
h1{font-size:1.3rem;margin-top:0}.note{color:#697386;font-size:.85rem}.err{color:#c0123c;font-weight:600}
button{font:inherit;padding:.5rem 1rem;border-radius:6px;border:1px solid #635bff;background:#635bff;color:#fff;cursor:pointer;margin:.25rem .25rem .25rem 0}
button.alt{background:#fff;color:#635bff}button.danger{background:#fff;color:#c0123c;border-color:#c0123c}
table{width:100%;border-collapse:collapse}td,th{padding:.35rem;border-bottom:1px solid #e3e8ee;text-align:left}td.n{text-align:right}
form{display:inline}
</style></head><body><main>${body}<p class="note">Fake Stripe (test mode, offline). No money moves.</p></main></body></html>`);
}

const redirect = (res: ServerResponse, to: string) => {
  res.writeHead(303, { location: to, 'cache-control': 'no-store' });
  res.end();
};

const notFound = (res: ServerResponse, what: string) => page(res, 404, 'Not found', `<h1>No such ${esc(what)}</h1>`);

function lineItems(deps: PageDeps, s: Obj): { rows: string; total: number } {
  let total = 0;
  const rows = (s.line_items as Obj[])
    .map((li) => {
      const unit = li.price ? (deps.amounts[li.price] ?? 0) : Number(li.price_data?.unit_amount ?? 0);
      const qty = Number(li.quantity ?? 1);
      total += unit * qty;
      const name = li.price ? `${li.price} (monthly)` : (li.price_data?.product_data?.name ?? 'One-time purchase');
      return `<tr><td>${esc(name)}</td><td class="n">${qty}</td><td class="n">${eur(unit * qty)}</td></tr>`;
    })
    .join('');
  return { rows, total };
}

function checkoutPage(deps: PageDeps, res: ServerResponse, s: Obj, error?: string): void {
  const customer = deps.customers.get(s.customer);
  const { rows, total } = lineItems(deps, s);
  if (s.status !== 'open') {
    return page(res, 200, 'Checkout', `<h1>This checkout is ${esc(s.status)}</h1><p><a href="${esc(s.success_url)}">Back to the merchant</a></p>`);
  }
  page(
    res,
    200,
    'Checkout',
    `<h1>${s.mode === 'subscription' ? 'Subscribe' : 'Pay'}</h1>
<p>${esc(customer?.email ?? s.customer)}</p>
<table><thead><tr><th>Item</th><th>Qty</th><th>Amount</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th colspan="2">Total${s.mode === 'subscription' ? ' per month' : ''} (net)</th><th class="n" data-testid="total">${eur(total)}</th></tr></tfoot></table>
${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}
<p>Card: 4242 4242 4242 4242 (succeeds) or 4000 0000 0000 0002 (declined).</p>
<form method="post" action="/c/${esc(s.id)}/pay"><input type="hidden" name="card" value="4242424242424242"><button data-testid="pay">Pay ${eur(total)}</button></form>
<form method="post" action="/c/${esc(s.id)}/pay"><input type="hidden" name="card" value="4000000000000002"><button class="alt" data-testid="pay-failing">Pay with a failing card</button></form>
<form method="post" action="/c/${esc(s.id)}/cancel"><button class="danger" data-testid="cancel">Cancel</button></form>`,
  );
}

function portalPage(deps: PageDeps, res: ServerResponse, p: Obj): void {
  const subs = [...deps.subscriptions.values()].filter((s) => s.customer === p.customer);
  const invoices = [...deps.invoices.values()].filter((i) => i.customer === p.customer).sort((a, b) => b.created - a.created);
  const declining = deps.decliningCustomers.has(p.customer);
  const subRows = subs
    .map((s) => {
      const item = s.items.data[0];
      const live = s.status !== 'canceled';
      return `<tr><td>${esc(item.price.id)}</td><td>${esc(s.status)}${s.cancel_at_period_end ? ' (cancels at period end)' : ''}</td><td>${day(item.current_period_end)}</td><td>${
        live
          ? `${s.cancel_at_period_end ? '' : `<form method="post" action="/p/session/${esc(p.id)}/cancel"><input type="hidden" name="subscription" value="${esc(s.id)}"><input type="hidden" name="when" value="period_end"><button class="alt" data-testid="portal-cancel-at-end">Cancel at period end</button></form>`}
<form method="post" action="/p/session/${esc(p.id)}/cancel"><input type="hidden" name="subscription" value="${esc(s.id)}"><input type="hidden" name="when" value="now"><button class="danger" data-testid="portal-cancel-now">Cancel now</button></form>`
          : ''
      }</td></tr>`;
    })
    .join('');
  const invRows = invoices
    .map((i) => {
      const total = (i.lines?.data ?? []).reduce((a: number, l: Obj) => a + (l.amount ?? 0), 0);
      return `<tr><td><a href="/i/${esc(i.id)}">${esc(i.id)}</a></td><td>${day(i.created)}</td><td>${esc(i.status)}</td><td class="n">${eur(total)}</td></tr>`;
    })
    .join('');
  page(
    res,
    200,
    'Billing portal',
    `<h1>Billing portal</h1><p>${esc(deps.customers.get(p.customer)?.email ?? p.customer)}</p>
<h2>Subscriptions</h2><table><tbody>${subRows || '<tr><td>None</td></tr>'}</tbody></table>
<h2>Payment method</h2><p>${declining ? 'A card that is declined' : 'Visa •••• 4242'}</p>
<form method="post" action="/p/session/${esc(p.id)}/card"><input type="hidden" name="declining" value="${declining ? 'false' : 'true'}"><button class="alt">${declining ? 'Use a working card' : 'Use a failing card for later charges'}</button></form>
<h2>Invoices</h2><table><tbody>${invRows || '<tr><td>None</td></tr>'}</tbody></table>
${p.return_url ? `<p><a href="${esc(p.return_url)}" data-testid="portal-return">Return to the merchant</a></p>` : ''}`,
  );
}

function invoicePage(res: ServerResponse, inv: Obj): void {
  const lines = (inv.lines?.data ?? []) as Obj[];
  const total = lines.reduce((a, l) => a + (l.amount ?? 0), 0);
  page(
    res,
    200,
    'Invoice',
    `<h1>Invoice ${esc(inv.id)}</h1><p>Status: <strong data-testid="invoice-status">${esc(inv.status)}</strong></p>
<table><tbody>${lines.map((l) => `<tr><td>${esc(l.description ?? l.pricing?.price_details?.price ?? 'Item')}</td><td class="n">${eur(l.amount ?? 0)}</td></tr>`).join('')}</tbody>
<tfoot><tr><th>Total (net)</th><th class="n">${eur(total)}</th></tr></tfoot></table>
${
  inv.status === 'open'
    ? `<form method="post" action="/i/${esc(inv.id)}/pay"><input type="hidden" name="card" value="4242424242424242"><button data-testid="invoice-pay">Pay ${eur(total)}</button></form>
<form method="post" action="/i/${esc(inv.id)}/pay"><input type="hidden" name="card" value="4000000000000002"><button class="alt">Pay with a failing card</button></form>`
    : ''
}`,
  );
}

const DECLINED = '4000000000000002';

/** Handles a page request; false when the path is not a page (the API routes answer it). */
export async function handlePage(deps: PageDeps, req: IncomingMessage, res: ServerResponse, path: string, body: Obj): Promise<boolean> {
  const method = req.method ?? 'GET';
  let m: RegExpExecArray | null;
  if ((m = /^\/c\/([^/]+)(?:\/(pay|cancel))?$/.exec(path))) {
    const s = deps.sessions.get(m[1]!);
    if (!s) return (notFound(res, 'checkout session'), true);
    if (!m[2] && method === 'GET') return (checkoutPage(deps, res, s), true);
    if (method !== 'POST') return false;
    if (s.status !== 'open') return (checkoutPage(deps, res, s), true);
    if (m[2] === 'cancel') return (redirect(res, s.cancel_url), true);
    // as Checkout does: a declined card is shown on the page; nothing is created and no event is sent
    if (body.card === DECLINED) return (checkoutPage(deps, res, s, 'Your card was declined. Try another card.'), true);
    await deps.completeCheckout(s.id);
    return (redirect(res, String(s.success_url).replace('{CHECKOUT_SESSION_ID}', s.id)), true);
  }
  if ((m = /^\/p\/session\/([^/]+)(?:\/(cancel|card))?$/.exec(path))) {
    const p = deps.portalSessions.get(m[1]!);
    if (!p) return (notFound(res, 'billing portal session'), true);
    if (!m[2] && method === 'GET') return (portalPage(deps, res, p), true);
    if (method !== 'POST') return false;
    if (m[2] === 'card') {
      if (body.declining === 'true') deps.decliningCustomers.add(p.customer);
      else deps.decliningCustomers.delete(p.customer);
    } else {
      const sub = deps.subscriptions.get(body.subscription);
      if (!sub || sub.customer !== p.customer) return (notFound(res, 'subscription'), true);
      if (body.when === 'now') await deps.cancelFromPortal(sub.id);
      else await deps.cancelAtPeriodEnd(sub.id);
    }
    return (redirect(res, `/p/session/${p.id}`), true);
  }
  if ((m = /^\/i\/([^/]+)(?:\/(pay))?$/.exec(path))) {
    const inv = deps.invoices.get(m[1]!);
    if (!inv) return (notFound(res, 'invoice'), true);
    if (!m[2] && method === 'GET') return (invoicePage(res, inv), true);
    if (method !== 'POST') return false;
    if (inv.status === 'open') {
      if (body.card === DECLINED) await deps.failInvoicePayment(inv.id);
      else await deps.payInvoice(inv.id);
    }
    return (redirect(res, `/i/${inv.id}`), true);
  }
  return false;
}
