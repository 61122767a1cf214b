// A small fake of the Stripe API on 127.0.0.1 for tests and offline demos: the real `stripe` SDK
// talks to it through STRIPE_API_URL. It speaks Stripe's form-encoded bodies, error envelope and
// Idempotency-Key replay, logs every request, and has helpers that complete a checkout and send
// correctly signed webhooks (the events of the real flow) to our endpoint. The URLs it hands out
// (Checkout, billing portal, hosted invoices) are its own pages on the same 127.0.0.1 server, where
// a person can pay, pay with a failing card or cancel (src/dev/fake-stripe-pages.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Stripe from 'stripe';
import { handlePage } from './fake-stripe-pages';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FakeStripeRequest {
  method: string;
  path: string;
  body: Obj;
  idempotencyKey: string | null;
}

export interface FakeStripe {
  url: string;
  requests: FakeStripeRequest[];
  customers: Map<string, Obj>;
  sessions: Map<string, Obj>;
  subscriptions: Map<string, Obj>;
  invoices: Map<string, Obj>;
  invoiceItems: Map<string, Obj>;
  schedules: Map<string, Obj>;
  /** Billing portal sessions, by id (their pages live at /p/session/:id). */
  portalSessions: Map<string, Obj>;
  /** Refunds made (`POST /v1/refunds`), by id. */
  refunds: Map<string, Obj>;
  /** Customers whose card is declined when an invoice is paid at once (`POST /v1/invoices/:id/pay`). */
  decliningCustomers: Set<string>;
  /** Where webhooks go (our /webhooks/stripe). */
  webhookUrl: string;
  /** When false, the helpers keep their events in `outbox` instead of sending them (chaos tests). */
  autoDeliver: boolean;
  outbox: Obj[];
  /** Pays a subscription checkout: the subscription, its first invoice, and the three webhooks. */
  completeCheckout(sessionId: string, at?: Date): Promise<Obj[]>;
  /**
   * Moves a subscription to its next period, as Stripe does: subscription updated (still active),
   * the renewal invoice as a draft (invoice.created), then paid — or failed, after which the
   * subscription goes past_due (a fourth event).
   */
  renew(subscriptionId: string, opts?: { fail?: boolean }): Promise<Obj[]>;
  /**
   * Stripe gives up on a subscription whose renewal stayed unpaid after its retries: per the
   * account's settings it is cancelled (customer.subscription.deleted) or marked unpaid
   * (customer.subscription.updated); the unpaid invoice stays open.
   */
  giveUp(subscriptionId: string, opts?: { as?: 'canceled' | 'unpaid' }): Promise<Obj[]>;
  /** Ends a subscription that was cancelled at its period end: customer.subscription.deleted. */
  endSubscription(subscriptionId: string): Promise<Obj[]>;
  /**
   * Ends a subscription now, before its period end, as a cancellation in Stripe's customer portal
   * does (or Stripe itself, with another reason): status canceled, canceled_at = ended_at = now,
   * and customer.subscription.deleted.
   */
  cancelFromPortal(subscriptionId: string, opts?: { reason?: 'cancellation_requested' | 'payment_failed' | 'payment_disputed' }): Promise<Obj[]>;
  /** "METHOD /path" of requests to refuse once (a 400 Stripe does not remember under the idempotency key). */
  failNext: Set<string>;
  /** Pays an open invoice later (after a failed payment). */
  payInvoice(invoiceId: string): Promise<Obj[]>;
  /** Resolves once the events that requests (e.g. a plan change) caused have been sent. */
  settled(): Promise<void>;
  /** Signs and posts one event; answers the HTTP status. */
  deliver(event: Obj, opts?: { secret?: string; timestamp?: number; rawBody?: string }): Promise<number>;
  close(): Promise<void>;
}

/** Nested objects from form keys such as line_items[0][price]=… (what the SDK sends). */
export function parseForm(text: string): Obj {
  const out: Obj = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = node[part] ??= /^\d+$/.test(path[i + 1]!) ? [] : {};
    });
  }
  return out;
}

/** What the fake charges per period for a price (prorations need amounts); the plans' prices by default. */
const PRICE_AMOUNTS: Record<string, number> = { price_starter: 4900, price_business: 14900, price_enterprise: 39900 };

type Route = [string, RegExp, (m: RegExpExecArray, body: Obj, query: Obj) => [number, Obj] | [number, Obj, () => Promise<void>]];

export async function startFakeStripe(opts: {
  webhookSecret: string;
  port?: number;
  priceAmounts?: Record<string, number>;
  now?: () => number;
}): Promise<FakeStripe> {
  const amounts = { ...PRICE_AMOUNTS, ...opts.priceAmounts };
  const sdk = new Stripe('sk_test_fake', { telemetry: false });
  let n = 0;
  // unique across fake instances, as Stripe's ids are unique across time
  const run = Math.random().toString(36).slice(2, 10);
  const id = (prefix: string) => `${prefix}_fake${run}${String(++n).padStart(6, '0')}`;
  const requests: FakeStripeRequest[] = [];
  const customers = new Map<string, Obj>();
  const sessions = new Map<string, Obj>();
  const subscriptions = new Map<string, Obj>();
  const invoices = new Map<string, Obj>();
  // as Stripe does, every invoice names its hosted page (here: this server's /i/:id)
  const storeInvoice = invoices.set.bind(invoices);
  invoices.set = (key: string, invoice: Obj) => {
    invoice.hosted_invoice_url ??= `${base}/i/${key}`;
    return storeInvoice(key, invoice);
  };
  const portalSessions = new Map<string, Obj>();
  let base = '';
  const invoiceItems = new Map<string, Obj>();
  const schedules = new Map<string, Obj>();
  const refunds = new Map<string, Obj>();
  const decliningCustomers = new Set<string>();
  let pending: Promise<void> = Promise.resolve();
  const replays = new Map<string, { body: string; status: number; response: Obj }>();
  // event times only grow, as Stripe's do (its renewals here may lie ahead of the wall clock)
  let lastCreated = 0;
  const stamp = (t: number) => (lastCreated = Math.max(t, lastCreated + 1));

  const error = (res: ServerResponse, status: number, type: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { type, message } }));
  };

  const routes: Route[] = [
    [
      'POST',
      /^\/v1\/customers$/,
      (_m, body) => {
        const c = { id: id('cus'), object: 'customer', email: body.email ?? null, metadata: body.metadata ?? {}, created: now() };
        customers.set(c.id, c);
        return [200, c];
      },
    ],
    [
      'DELETE',
      /^\/v1\/customers\/([^/]+)$/,
      (m) => {
        if (!customers.has(m[1]!)) return notFound('customer');
        customers.delete(m[1]!);
        // as Stripe does: deleting a customer cancels its subscriptions at once
        for (const sub of subscriptions.values()) if (sub.customer === m[1]) sub.status = 'canceled';
        stopCollection(m[1]!);
        return [200, { id: m[1], object: 'customer', deleted: true }];
      },
    ],
    [
      'POST',
      /^\/v1\/checkout\/sessions$/,
      (_m, body) => {
        if (!body.customer || !customers.has(body.customer)) return [400, { error: { type: 'invalid_request_error', message: 'No such customer' } }];
        const s = {
          id: id('cs'),
          object: 'checkout.session',
          mode: body.mode,
          customer: body.customer,
          client_reference_id: body.client_reference_id ?? null,
          line_items: body.line_items ?? [],
          success_url: body.success_url,
          cancel_url: body.cancel_url,
          metadata: body.metadata ?? {},
          status: 'open',
          payment_status: 'unpaid',
          subscription: null,
          url: '',
          created: now(),
        };
        s.url = `${base}/c/${s.id}`;
        sessions.set(s.id, s);
        return [200, s];
      },
    ],
    [
      'POST',
      /^\/v1\/invoiceitems$/,
      (_m, body) => {
        if (!customers.has(body.customer)) return [400, { error: { type: 'invalid_request_error', message: 'No such customer' } }];
        const item = {
          id: id('ii'),
          object: 'invoiceitem',
          customer: body.customer,
          invoice: body.invoice ?? null,
          amount: Number(body.amount),
          currency: body.currency,
          description: body.description ?? null,
          metadata: body.metadata ?? {},
          date: now(),
        };
        invoiceItems.set(item.id, item);
        // as Stripe does, the newest lines first: invoice items before the subscription's line
        if (item.invoice && invoices.has(item.invoice))
          invoices.get(item.invoice)!.lines.data.unshift({
            id: id('il'),
            object: 'line_item',
            amount: item.amount,
            invoice_item: item.id,
            parent: { type: 'invoice_item_details' },
            pricing: null,
          });
        return [200, item];
      },
    ],
    [
      'POST',
      /^\/v1\/subscriptions\/([^/]+)$/,
      (m, body) => {
        const sub = subscriptions.get(m[1]!);
        if (!sub) return notFound('subscription');
        if (body.cancel_at_period_end !== undefined) sub.cancel_at_period_end = body.cancel_at_period_end === 'true';
        const change = body.items?.[0];
        if (!change?.price) return [200, sub];
        // a plan change now: the price switches, and the proration is invoiced and paid at once
        const item = sub.items.data.find((i: Obj) => i.id === change.id);
        if (!item) return [400, { error: { type: 'invalid_request_error', message: `No such subscription item: '${change.id}'` } }];
        const previous = JSON.parse(JSON.stringify(sub.items));
        const oldPrice = item.price.id as string;
        item.price = { id: change.price, object: 'price' };
        const t = stamp(now());
        const start = item.current_period_start;
        const end = item.current_period_end;
        const from = Math.min(Math.max(t, start), end);
        const share = (cents: number) => Math.round((cents * (end - from)) / (end - start));
        const invoice = {
          id: id('in'),
          object: 'invoice',
          customer: sub.customer,
          status: 'paid',
          billing_reason: 'subscription_update',
          currency: 'eur',
          parent: { type: 'subscription_details', subscription_details: { subscription: sub.id } },
          lines: {
            object: 'list',
            data: [
              {
                id: id('il'),
                object: 'line_item',
                amount: -share(amounts[oldPrice] ?? 0),
                description: `Unused time on ${oldPrice}`,
                period: { start: from, end },
                pricing: { type: 'price_details', price_details: { price: oldPrice } },
              },
              {
                id: id('il'),
                object: 'line_item',
                amount: share(amounts[change.price] ?? 0),
                description: `Remaining time on ${change.price}`,
                period: { start: from, end },
                pricing: { type: 'price_details', price_details: { price: change.price } },
              },
            ],
          },
          created: t,
        };
        invoices.set(invoice.id, invoice);
        const events = [
          { ...event('customer.subscription.updated', sub, t), data: { object: JSON.parse(JSON.stringify(sub)), previous_attributes: { items: previous } } },
          event('invoice.paid', invoice, stamp(t + 1)),
        ];
        return [
          200,
          sub,
          async () => {
            for (const e of events) await emit(e);
          },
        ];
      },
    ],
    [
      'POST',
      /^\/v1\/subscription_schedules$/,
      (_m, body) => {
        const sub = subscriptions.get(body.from_subscription);
        if (!sub) return notFound('subscription');
        if (sub.schedule)
          return [400, { error: { type: 'invalid_request_error', message: 'You cannot migrate a subscription that is already attached to a schedule' } }];
        const item = sub.items.data[0];
        const s = {
          id: id('sub_sched'),
          object: 'subscription_schedule',
          subscription: sub.id,
          status: 'active',
          end_behavior: 'release',
          metadata: {} as Obj,
          phases: [{ items: [{ price: item.price.id, quantity: 1 }], start_date: item.current_period_start, end_date: item.current_period_end }] as Obj[],
        };
        schedules.set(s.id, s);
        sub.schedule = s.id;
        return [200, s];
      },
    ],
    [
      'POST',
      /^\/v1\/subscription_schedules\/([^/]+)\/release$/,
      (m) => {
        const s = schedules.get(m[1]!);
        if (!s) return notFound('subscription schedule');
        if (s.status !== 'active')
          return [
            400,
            {
              error: { type: 'invalid_request_error', message: `You cannot release a subscription schedule that is currently in the \`${s.status}\` status.` },
            },
          ];
        s.status = 'released';
        const sub = subscriptions.get(s.subscription);
        if (sub && sub.schedule === s.id) sub.schedule = null;
        return [200, s];
      },
    ],
    [
      'POST',
      /^\/v1\/subscription_schedules\/([^/]+)$/,
      (m, body) => {
        const s = schedules.get(m[1]!);
        if (!s) return notFound('subscription schedule');
        if (body.phases) {
          s.phases = (body.phases as Obj[]).map((p) => ({
            items: p.items,
            start_date: p.start_date ? Number(p.start_date) : null,
            end_date: p.end_date ? Number(p.end_date) : null,
            duration: p.duration ?? null,
          }));
        }
        if (body.end_behavior) s.end_behavior = body.end_behavior;
        if (body.metadata) s.metadata = { ...s.metadata, ...body.metadata };
        return [200, s];
      },
    ],
    ['GET', /^\/v1\/subscription_schedules\/([^/]+)$/, (m) => (schedules.has(m[1]!) ? [200, schedules.get(m[1]!)!] : notFound('subscription schedule'))],
    [
      'POST',
      /^\/v1\/billing_portal\/sessions$/,
      (_m, body) => {
        if (!customers.has(body.customer)) return [400, { error: { type: 'invalid_request_error', message: 'No such customer' } }];
        const s = { id: id('bps'), object: 'billing_portal.session', customer: body.customer, return_url: body.return_url ?? null, created: now(), url: '' };
        s.url = `${base}/p/session/${s.id}`;
        portalSessions.set(s.id, s);
        return [200, s];
      },
    ],
    [
      'GET',
      /^\/v1\/invoices$/,
      (_m, _body, query) => {
        const limit = Math.min(Number(query.limit ?? 10), 100);
        const data = [...invoices.values()]
          .filter((i) => !query.subscription || i.parent?.subscription_details?.subscription === query.subscription)
          .filter((i) => !query.customer || i.customer === query.customer)
          .filter((i) => !query.status || i.status === query.status)
          .sort((a, b) => b.created - a.created);
        return [200, { object: 'list', url: '/v1/invoices', has_more: data.length > limit, data: data.slice(0, limit) }];
      },
    ],
    // as Stripe does: cancelling now ends the subscription and sends customer.subscription.deleted
    [
      'DELETE',
      /^\/v1\/subscriptions\/([^/]+)$/,
      (m) => {
        const sub = subscriptions.get(m[1]!);
        if (!sub) return notFound('subscription');
        if (sub.status === 'canceled') return [200, sub];
        const e = endNow(sub, 'cancellation_requested');
        return [200, sub, () => emit(e)];
      },
    ],
    [
      'POST',
      /^\/v1\/invoices$/,
      (_m, body) => {
        if (!customers.has(body.customer)) return [400, { error: { type: 'invalid_request_error', message: 'No such customer' } }];
        const pending = [...invoiceItems.values()].filter((i) => i.customer === body.customer && !i.invoice);
        const invoice = {
          id: id('in'),
          object: 'invoice',
          customer: body.customer,
          status: 'draft',
          billing_reason: 'manual',
          currency: 'eur',
          lines: { object: 'list', data: [] as Obj[] },
          metadata: body.metadata ?? {},
          created: now(),
          default_payment_method: body.default_payment_method ?? null,
        };
        for (const item of pending) {
          item.invoice = invoice.id;
          invoice.lines.data.unshift({
            id: id('il'),
            object: 'line_item',
            amount: item.amount,
            invoice_item: item.id,
            parent: { type: 'invoice_item_details' },
            pricing: null,
          });
        }
        invoices.set(invoice.id, invoice);
        return [200, invoice];
      },
    ],
    [
      'POST',
      /^\/v1\/invoices\/([^/]+)\/finalize$/,
      (m) => {
        const inv = invoices.get(m[1]!);
        if (!inv) return notFound('invoice');
        inv.status = 'open';
        return [200, inv];
      },
    ],
    // paid at once with the customer's default payment method, as Stripe does; a declined card is a 402 card_error
    [
      'POST',
      /^\/v1\/invoices\/([^/]+)\/pay$/,
      (m) => {
        const inv = invoices.get(m[1]!);
        if (!inv) return notFound('invoice');
        if (inv.status === 'paid') return [400, { error: { type: 'invalid_request_error', message: 'Invoice is already paid' } }];
        if (inv.status !== 'open')
          return [400, { error: { type: 'invalid_request_error', message: `You can only pay an open invoice; this one is ${inv.status}` } }];
        // a one-off invoice is charged with its own payment method or the customer's default; Checkout sets neither
        if (!inv.default_payment_method && !inv.parent) {
          return [
            400,
            {
              error: {
                type: 'invalid_request_error',
                code: 'invoice_no_payment_method',
                message: 'There is no default payment method to charge this invoice with.',
              },
            },
          ];
        }
        if (!customers.has(inv.customer) || decliningCustomers.has(inv.customer)) {
          inv.attempt_count = (inv.attempt_count ?? 0) + 1;
          const failed = event('invoice.payment_failed', inv, stamp(now()));
          return [
            402,
            { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } },
            () => emit(failed),
          ];
        }
        markPaid(
          inv,
          inv.lines.data.reduce((sum: number, l: Obj) => sum + (l.amount ?? 0), 0),
        );
        const e = event('invoice.paid', inv, stamp(now()));
        return [200, inv, () => emit(e)];
      },
    ],
    // a refund of an invoice's payment, named by its payment intent or charge; more than was paid is refused
    [
      'POST',
      /^\/v1\/refunds$/,
      (_m, body) => {
        const paid = [...invoices.values()]
          .flatMap((i) => (i.payments?.data ?? []).map((p: Obj) => ({ invoice: i, p })))
          .find(({ p }) => (body.payment_intent && p.payment.payment_intent === body.payment_intent) || (body.charge && p.payment.charge === body.charge));
        if (!paid) return [400, { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent or charge' } }];
        const already = [...refunds.values()].filter((r) => r.payment_intent === paid.p.payment.payment_intent).reduce((a, r) => a + r.amount, 0);
        const amount = body.amount === undefined ? paid.p.amount_paid - already : Number(body.amount);
        if (amount <= 0 || already + amount > paid.p.amount_paid) {
          return [400, { error: { type: 'invalid_request_error', code: 'charge_already_refunded', message: 'Charge has already been refunded.' } }];
        }
        const r = {
          id: id('re'),
          object: 'refund',
          amount,
          currency: 'eur',
          status: 'succeeded',
          payment_intent: paid.p.payment.payment_intent,
          charge: paid.p.payment.charge ?? null,
          metadata: body.metadata ?? {},
          reason: body.reason ?? null,
          created: now(),
        };
        refunds.set(r.id, r);
        return [200, r];
      },
    ],
    ['GET', /^\/v1\/invoices\/([^/]+)$/, (m) => (invoices.has(m[1]!) ? [200, invoices.get(m[1]!)!] : notFound('invoice'))],
    ['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, (m) => (sessions.has(m[1]!) ? [200, sessions.get(m[1]!)!] : notFound('checkout session'))],
    ['GET', /^\/v1\/subscriptions\/([^/]+)$/, (m) => (subscriptions.has(m[1]!) ? [200, subscriptions.get(m[1]!)!] : notFound('subscription'))],
  ];
  const event = (type: string, object: Obj, created: number): Obj => ({
    id: id('evt'),
    object: 'event',
    type,
    api_version: '2026-10-28.endive',
    created,
    livemode: false,
    data: { object: JSON.parse(JSON.stringify(object)) },
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  });
  // a paid invoice's payment (Stripe's InvoicePayment), which a refund names
  const markPaid = (invoice: Obj, cents: number) => {
    Object.assign(invoice, {
      status: 'paid',
      amount_paid: cents,
      payments: {
        object: 'list',
        data: [
          {
            id: id('inpay'),
            object: 'invoice_payment',
            status: 'paid',
            amount_paid: cents,
            invoice: invoice.id,
            payment: { type: 'payment_intent', payment_intent: id('pi'), charge: id('ch') },
          },
        ],
      },
    });
    return invoice;
  };
  /** The subscription ended now (before its period end): its deleted event. */
  // as Stripe does by default: once a subscription is cancelled, the customer's finalized invoices
  // are no longer collected automatically (no more retries); paying one by hand still works
  const stopCollection = (customer: string) => {
    for (const inv of invoices.values()) if (inv.customer === customer && inv.status === 'open') inv.auto_advance = false;
  };
  const endNow = (sub: Obj, reason: string): Obj => {
    const t = stamp(now());
    Object.assign(sub, { status: 'canceled', canceled_at: t, ended_at: t, cancellation_details: { reason } });
    stopCollection(sub.customer);
    return event('customer.subscription.deleted', sub, t);
  };
  const failNext = new Set<string>();
  const notFound = (what: string): [number, Obj] => [404, { error: { type: 'invalid_request_error', message: `No such ${what}` } }];
  // Stripe's time (a test clock): object timestamps, event `created` and period math; epoch ms
  const nowMs = () => opts.now?.() ?? Date.now();
  const now = () => Math.floor(nowMs() / 1000);

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const [path, search] = (req.url ?? '').split('?') as [string, string | undefined];
      const body = parseForm(raw);
      const query = parseForm(search ?? '');
      const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
      // the hosted pages a browser opens; the API is under /v1
      if (!path.startsWith('/v1/')) {
        handlePage(pages, req, res, path, body).then(
          (handled) => {
            if (!handled) error(res, 404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path})`);
          },
          (err: Error) => {
            if (!res.headersSent) error(res, 500, 'api_error', err.message);
          },
        );
        return;
      }
      requests.push({ method: req.method ?? '', path, body, idempotencyKey: key });
      if (key) {
        const seen = replays.get(key);
        if (seen && seen.body !== raw)
          return error(res, 400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.');
        if (seen) {
          res.writeHead(seen.status, { 'content-type': 'application/json', 'idempotent-replayed': 'true' });
          return res.end(JSON.stringify(seen.response));
        }
      }
      if (failNext.delete(`${req.method} ${path}`)) return error(res, 400, 'invalid_request_error', 'Refused once by the test (failNext)');
      const route = routes.find(([method, re]) => method === req.method && re.test(path));
      if (!route) return error(res, 404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${path})`);
      const [status, response, after] = route[2](route[1].exec(path)!, body, query);
      if (key) replays.set(key, { body: raw, status, response });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(response));
      // events a request causes reach the webhook after its answer, as Stripe's do
      if (after) pending = pending.then(after).catch(() => undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const emit = async (e: Obj) => {
    if (fake.autoDeliver) await fake.deliver(e);
    else fake.outbox.push(e);
  };
  const port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;

  const fake: FakeStripe = {
    url: base,
    requests,
    customers,
    sessions,
    subscriptions,
    invoices,
    invoiceItems,
    schedules,
    portalSessions,
    refunds,
    decliningCustomers,
    failNext,
    webhookUrl: '',
    autoDeliver: true,
    outbox: [],
    settled: () => pending,
    async deliver(event, o = {}) {
      const payload = o.rawBody ?? JSON.stringify(event);
      const header = sdk.webhooks.generateTestHeaderString({ payload, secret: o.secret ?? opts.webhookSecret, timestamp: o.timestamp });
      const res = await fetch(fake.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
      return res.status;
    },
    async completeCheckout(sessionId, at = new Date(nowMs())) {
      const s = sessions.get(sessionId);
      if (!s) throw new Error(`no session ${sessionId}`);
      const start = Math.floor(at.getTime() / 1000);
      if (s.mode === 'payment') {
        Object.assign(s, { status: 'complete', payment_status: 'paid', amount_total: Number(s.line_items[0]?.price_data?.unit_amount ?? 0) });
        const e = event('checkout.session.completed', s, stamp(start));
        await emit(e);
        return [e];
      }
      const end = start + 30 * 86_400;
      const price = s.line_items[0]?.price;
      const sub = {
        id: id('sub'),
        object: 'subscription',
        customer: s.customer,
        status: 'active',
        cancel_at_period_end: false,
        created: start,
        schedule: null as string | null,
        pending_update: null,
        // as Checkout does: the card is the subscription's, not the customer's default
        default_payment_method: id('pm'),
        items: {
          object: 'list',
          data: [
            {
              id: id('si'),
              object: 'subscription_item',
              price: { id: price, object: 'price' },
              quantity: 1,
              current_period_start: start,
              current_period_end: end,
            },
          ],
        },
        metadata: s.metadata,
      };
      subscriptions.set(sub.id, sub);
      const invoice = {
        id: id('in'),
        object: 'invoice',
        customer: s.customer,
        status: 'paid',
        billing_reason: 'subscription_create',
        currency: 'eur',
        parent: { type: 'subscription_details', subscription_details: { subscription: sub.id } },
        lines: {
          object: 'list',
          data: [
            {
              id: id('il'),
              object: 'line_item',
              amount: amounts[price] ?? 0,
              period: { start, end },
              pricing: { type: 'price_details', price_details: { price } },
            },
          ],
        },
        created: start,
      };
      markPaid(invoice, amounts[price] ?? 0);
      invoices.set(invoice.id, invoice);
      Object.assign(s, { status: 'complete', payment_status: 'paid', subscription: sub.id });
      const mk = (type: string, object: Obj, offset: number) => event(type, object, stamp(start + offset));
      const events = [mk('checkout.session.completed', s, 0), mk('customer.subscription.created', sub, 1), mk('invoice.paid', invoice, 2)];
      for (const e of events) await emit(e);
      return events;
    },
    async renew(subscriptionId, opts = {}) {
      const sub = subscriptions.get(subscriptionId);
      if (!sub) throw new Error(`no subscription ${subscriptionId}`);
      const item = sub.items.data[0];
      const start = item.current_period_end;
      const end = start + 30 * 86_400;
      Object.assign(item, { current_period_start: start, current_period_end: end });
      // a schedule's next phase (a downgrade at the period end) starts now; the schedule is released
      const schedule = sub.schedule ? schedules.get(sub.schedule) : null;
      const next = schedule?.phases.find((p: Obj) => p.start_date === null || p.start_date >= start);
      if (schedule && next) {
        item.price = { id: next.items[0].price, object: 'price' };
        Object.assign(schedule, { status: 'released' });
        sub.schedule = null;
      }
      const invoice = {
        id: id('in'),
        object: 'invoice',
        customer: sub.customer,
        status: opts.fail ? 'open' : 'paid',
        billing_reason: 'subscription_cycle',
        currency: 'eur',
        parent: { type: 'subscription_details', subscription_details: { subscription: sub.id } },
        lines: {
          object: 'list',
          data: [
            {
              id: id('il'),
              object: 'line_item',
              amount: amounts[item.price.id] ?? 0,
              period: { start, end },
              pricing: { type: 'price_details', price_details: { price: item.price.id } },
            },
          ],
        },
        created: start,
      };
      if (opts.fail) (invoice as Obj).attempt_count = 1;
      else markPaid(invoice, amounts[item.price.id] ?? 0);
      invoices.set(invoice.id, invoice);
      const mk = (type: string, object: Obj, offset: number) => event(type, object, stamp(start + offset));
      // the period moves while the subscription is still active; the renewal invoice is a draft
      // first (invoice.created), then paid, or failed — and only then is the subscription past_due
      const draft = { ...JSON.parse(JSON.stringify(invoice)), status: 'draft', payments: { object: 'list', data: [] }, amount_paid: 0 };
      const events = [
        mk('customer.subscription.updated', sub, 0),
        mk('invoice.created', draft, 1),
        mk(opts.fail ? 'invoice.payment_failed' : 'invoice.paid', invoice, 2),
      ];
      if (opts.fail) {
        sub.status = 'past_due';
        events.push(mk('customer.subscription.updated', sub, 3));
      }
      for (const e of events) await emit(e);
      return events;
    },
    async endSubscription(subscriptionId) {
      const sub = subscriptions.get(subscriptionId);
      if (!sub) throw new Error(`no subscription ${subscriptionId}`);
      sub.status = 'canceled';
      stopCollection(sub.customer);
      const e = event('customer.subscription.deleted', sub, stamp(sub.items.data[0].current_period_end));
      await emit(e);
      return [e];
    },
    async giveUp(subscriptionId, o = {}) {
      const sub = subscriptions.get(subscriptionId);
      if (!sub) throw new Error(`no subscription ${subscriptionId}`);
      const as = o.as ?? 'canceled';
      let e: Obj;
      if (as === 'canceled') {
        e = endNow(sub, 'payment_failed');
      } else {
        sub.status = as;
        e = event('customer.subscription.updated', sub, stamp(now()));
      }
      await emit(e);
      return [e];
    },
    async cancelFromPortal(subscriptionId, o = {}) {
      const sub = subscriptions.get(subscriptionId);
      if (!sub) throw new Error(`no subscription ${subscriptionId}`);
      const e = endNow(sub, o.reason ?? 'cancellation_requested');
      await emit(e);
      return [e];
    },
    async payInvoice(invoiceId) {
      const invoice = invoices.get(invoiceId);
      if (!invoice) throw new Error(`no invoice ${invoiceId}`);
      markPaid(
        invoice,
        invoice.lines.data.reduce((a: number, l: Obj) => a + (l.amount ?? 0), 0),
      );
      const sub = subscriptions.get(invoice.parent.subscription_details.subscription)!;
      const t = now();
      const mk = (type: string, object: Obj, offset: number) => event(type, object, stamp(t + offset));
      // a paid invoice brings a past_due subscription back to active; a cancelled one stays ended
      // (Stripe's cancellation is terminal), the invoice is only paid
      const revived = sub.status !== 'canceled';
      if (revived) sub.status = 'active';
      const events = [...(revived ? [mk('customer.subscription.updated', sub, 0)] : []), mk('invoice.paid', invoice, 1)];
      for (const e of events) await emit(e);
      return events;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections(); // a browser's keep-alive connections to the pages
      }),
  };
  const pages = {
    base: () => base,
    sessions,
    portalSessions,
    subscriptions,
    invoices,
    customers,
    decliningCustomers,
    amounts,
    completeCheckout: (sessionId: string) => fake.completeCheckout(sessionId),
    cancelFromPortal: (subscriptionId: string) => fake.cancelFromPortal(subscriptionId),
    // the portal's "cancel at period end": the subscription is updated, nothing ends yet
    async cancelAtPeriodEnd(subscriptionId: string) {
      const sub = subscriptions.get(subscriptionId)!;
      sub.cancel_at_period_end = true;
      const e = {
        ...event('customer.subscription.updated', sub, stamp(now())),
        data: { object: JSON.parse(JSON.stringify(sub)), previous_attributes: { cancel_at_period_end: false } },
      };
      await emit(e);
      return [e];
    },
    async payInvoice(invoiceId: string) {
      const inv = invoices.get(invoiceId)!;
      if (inv.parent?.subscription_details) return fake.payInvoice(invoiceId);
      markPaid(
        inv,
        inv.lines.data.reduce((a: number, l: Obj) => a + (l.amount ?? 0), 0),
      );
      const e = event('invoice.paid', inv, stamp(now()));
      await emit(e);
      return [e];
    },
    // a declined payment of an open invoice: invoice.payment_failed; a subscription's renewal then
    // leaves the subscription past_due (customer.subscription.updated), as Stripe does
    async failInvoicePayment(invoiceId: string) {
      const inv = invoices.get(invoiceId)!;
      inv.attempt_count = (inv.attempt_count ?? 0) + 1;
      const events = [event('invoice.payment_failed', inv, stamp(now()))];
      const sub = inv.parent?.subscription_details ? subscriptions.get(inv.parent.subscription_details.subscription) : null;
      if (sub && sub.status === 'active') {
        sub.status = 'past_due';
        events.push(event('customer.subscription.updated', sub, stamp(now())));
      }
      for (const e of events) await emit(e);
      return events;
    },
  };
  return fake;
}
