// The Payments port on Stripe.
import type { StripeConfig } from '../config/env';
import type { Orm } from '../db/orm';
import type { Payments, RenewalInvoices } from '../domain/ports';
import type { Stripe } from './client';

export function stripePayments(stripe: Stripe, config: StripeConfig, orm: Orm): Payments {
  return {
    async ensureCustomer(user) {
      const conn = orm.em.fork().getConnection();
      const [known] = await conn.execute<{ customer_id: string }[]>('select customer_id from stripe_customers where user_id = ?', [user.id]);
      if (known) return known.customer_id;
      // the key makes a retried creation return the same customer (Stripe keeps keys ~24 h)
      const customer = await stripe.customers.create({ email: user.email, metadata: { userId: user.id } }, { idempotencyKey: `customer-${user.id}` });
      await conn.execute('insert into stripe_customers (user_id, customer_id) values (?, ?) on conflict do nothing', [user.id, customer.id]);
      const [row] = await conn.execute<{ customer_id: string }[]>('select customer_id from stripe_customers where user_id = ?', [user.id]);
      return row!.customer_id;
    },
    async createSubscriptionCheckout(input) {
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'subscription',
          customer: input.customerId,
          client_reference_id: input.userId,
          line_items: [{ price: config.prices[input.planCode], quantity: 1 }],
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          metadata: { userId: input.userId, planCode: input.planCode },
        },
        input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : undefined,
      );
      return { id: session.id, url: session.url ?? '' };
    },
    async cancelSubscriptionNow(subscriptionId) {
      try {
        const sub = await stripe.subscriptions.retrieve(subscriptionId);
        if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return { alreadyEnded: true };
        await stripe.subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `cancel-${subscriptionId}-now` });
        return { alreadyEnded: false };
      } catch (err) {
        if (isMissing(err)) return { alreadyEnded: true };
        throw err;
      }
    },
    async unpaidInvoices(customerId) {
      try {
        const lists = await Promise.all((['draft', 'open'] as const).map((status) => stripe.invoices.list({ customer: customerId, status, limit: 100 })));
        return lists
          .flatMap((l) => l.data)
          .sort((a, b) => b.created - a.created)
          .map((i) => ({ id: i.id!, status: i.status ?? 'unknown', amountDueCents: i.amount_due }));
      } catch (err) {
        if (isMissing(err)) return []; // deleted already (a run that crashed after the deletion)
        throw err;
      }
    },
    async deleteCustomer(customerId) {
      // Stripe ignores idempotency keys on DELETE; a second delete answers "no such customer"
      try {
        await stripe.customers.del(customerId);
        return { alreadyDeleted: false };
      } catch (err) {
        if (isMissing(err)) return { alreadyDeleted: true };
        throw err;
      }
    },
    async cancelSubscription(subscriptionId, atPeriodEnd) {
      const sub = atPeriodEnd
        ? await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true }, { idempotencyKey: `cancel-${subscriptionId}-end` })
        : await stripe.subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `cancel-${subscriptionId}-now` });
      return { cancelAtPeriodEnd: sub.cancel_at_period_end, status: sub.status };
    },
    invoiceFinalOverage: (input) => invoiceFinalOverage(stripe, input),
    async createTopUpCheckout(input) {
      const minutes = input.seconds / 60;
      const session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          customer: input.customerId,
          client_reference_id: input.userId,
          line_items: [
            {
              quantity: 1,
              price_data: { currency: 'eur', unit_amount: input.amountCents, product_data: { name: `${minutes} Minuten Guthaben` } },
            },
          ],
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          metadata: { userId: input.userId, kind: 'topUp', topUpSeconds: String(input.seconds), amountCents: String(input.amountCents) },
        },
        input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : undefined,
      );
      return { id: session.id, url: session.url ?? '' };
    },
    async changeSubscriptionPlan(input) {
      const sub = await stripe.subscriptions.retrieve(input.subscriptionId);
      const item = sub.items.data[0];
      if (!item) throw new Error(`subscription ${sub.id} has no item`);
      // a change waiting for the period end is replaced by this one — unless it is this very request
      // repeated (a retry after a crash, a double submit): its schedule stays, and the keyed calls
      // below answer what they answered the first time
      const scheduleId = typeof sub.schedule === 'string' ? sub.schedule : sub.schedule?.id;
      if (scheduleId) {
        const schedule = await stripe.subscriptionSchedules.retrieve(scheduleId);
        if (schedule.metadata?.changeKey !== input.idempotencyKey) {
          await stripe.subscriptionSchedules.release(scheduleId, {}, { idempotencyKey: `${input.idempotencyKey}-release` });
        }
      }
      if (input.when === 'KEEP') return { paymentPending: false };
      const price = config.prices[input.planCode];
      if (input.when === 'NOW') {
        // charged at once; with pending_if_incomplete the change applies only when that is paid
        const updated = await stripe.subscriptions.update(
          sub.id,
          {
            items: [{ id: item.id, price }],
            proration_behavior: 'always_invoice',
            payment_behavior: 'pending_if_incomplete',
          },
          { idempotencyKey: input.idempotencyKey },
        );
        return { paymentPending: Boolean(updated.pending_update) };
      }
      // at the period end: a schedule whose second phase has the new price, released after
      const created = await stripe.subscriptionSchedules.create({ from_subscription: sub.id }, { idempotencyKey: `${input.idempotencyKey}-schedule` });
      await stripe.subscriptionSchedules.update(
        created.id,
        {
          end_behavior: 'release',
          metadata: { changeKey: input.idempotencyKey },
          phases: [
            {
              items: [{ price: item.price.id, quantity: 1 }],
              start_date: created.phases[0]?.start_date ?? item.current_period_start,
              end_date: item.current_period_end,
            },
            { items: [{ price, quantity: 1 }], duration: { interval: 'month', interval_count: 1 } },
          ],
        },
        { idempotencyKey: `${input.idempotencyKey}-phases` },
      );
      return { paymentPending: false };
    },
    async createBillingPortalSession(input) {
      const session = await stripe.billingPortal.sessions.create({ customer: input.customerId, return_url: input.returnUrl });
      return { url: session.url };
    },
  };
}

/** Stripe's answer for an object that does not exist (any more). */
function isMissing(err: unknown): boolean {
  const e = err as { statusCode?: number; code?: string };
  return e?.code === 'resource_missing' || e?.statusCode === 404;
}

/** A final period's overage on an invoice of its own (the Payments port's invoiceFinalOverage), for the webhook worker too. */
export async function invoiceFinalOverage(stripe: Stripe, input: Parameters<Payments['invoiceFinalOverage']>[0]): ReturnType<Payments['invoiceFinalOverage']> {
  // Checkout keeps the card on the subscription, not as the customer's default: the invoice is
  // charged with the subscription's payment method (also after the subscription ended)
  const sub = await stripe.subscriptions.retrieve(input.subscriptionId);
  const paymentMethod = typeof sub.default_payment_method === 'string' ? sub.default_payment_method : sub.default_payment_method?.id;
  const item = await stripe.invoiceItems.create(
    { customer: input.customerId, amount: input.amountCents, currency: 'eur', description: input.description, metadata: input.metadata },
    { idempotencyKey: input.idempotencyKey },
  );
  const invoice = await stripe.invoices.create(
    {
      customer: input.customerId,
      pending_invoice_items_behavior: 'include',
      auto_advance: true,
      metadata: input.metadata,
      ...(paymentMethod ? { default_payment_method: paymentMethod } : {}),
    },
    { idempotencyKey: `${input.idempotencyKey}-invoice` },
  );
  await stripe.invoices.finalizeInvoice(invoice.id!, {}, { idempotencyKey: `${input.idempotencyKey}-finalize` });
  if (!input.collectNow) return { itemId: item.id, invoiceId: invoice.id! };
  try {
    await stripe.invoices.pay(invoice.id!, {}, { idempotencyKey: `${input.idempotencyKey}-pay` });
    return { itemId: item.id, invoiceId: invoice.id!, paid: true };
  } catch (err) {
    // declined, or nothing to charge it with: the invoice is made and open at Stripe — billed,
    // just not collected; a connection or server error is thrown and the keyed calls run again
    if (err instanceof stripe.errors.StripeCardError || err instanceof stripe.errors.StripeInvalidRequestError) {
      return { itemId: item.id, invoiceId: invoice.id!, paid: false };
    }
    throw err;
  }
}

/** An ended period's overage as an item of the renewal's draft invoice (the RenewalInvoices port). */
export async function addOverageItem(stripe: Stripe, input: Parameters<RenewalInvoices['addOverageItem']>[0]): ReturnType<RenewalInvoices['addOverageItem']> {
  const item = await stripe.invoiceItems.create(
    {
      customer: input.customerId,
      invoice: input.invoiceId,
      amount: input.amountCents,
      currency: 'eur',
      description: input.description,
      metadata: input.metadata,
    },
    { idempotencyKey: input.idempotencyKey },
  );
  return { itemId: item.id };
}
