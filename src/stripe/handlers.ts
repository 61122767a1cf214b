// What each Stripe event means for us. Credits are granted on invoice.paid only, keyed by
// (subscription, period start) in the ledger; memberships mirror subscriptions and never move
// backwards on an out-of-order event (the event's time is compared with the last one applied).
import type { Stripe } from './client';
import { closePeriod } from '../domain/ledger/close-period';
import { markFailed, markInvoiced, overageLineFor } from '../domain/billing/overage-invoice';
import { grantPlanCredits } from '../domain/ledger/grant-plan-credits';
import { grantPurchase } from '../domain/ledger/grant-purchase';
import { setMembership } from '../domain/memberships/set-membership';
import type { MembershipStatus, PlanCode } from '../db/entities/types';
import { PermanentWebhookError, type ProcessDeps } from './inbox';

export type Handler = (deps: ProcessDeps, event: Stripe.Event) => Promise<void>;

const STATUS: Record<string, MembershipStatus> = {
  incomplete: 'INCOMPLETE', incomplete_expired: 'CANCELED', trialing: 'TRIALING', active: 'ACTIVE',
  past_due: 'PAST_DUE', canceled: 'CANCELED', unpaid: 'UNPAID', paused: 'PAST_DUE',
};

async function userOfCustomer(deps: ProcessDeps, customerId: string): Promise<string | null> {
  const [row] = await deps.em.getConnection().execute<{ user_id: string }[]>(
    'select user_id from stripe_customers where customer_id = ?', [customerId]);
  return row?.user_id ?? null;
}

function planOfPrice(deps: ProcessDeps, priceId: string | undefined): PlanCode | null {
  const hit = Object.entries(deps.prices).find(([, id]) => id === priceId);
  return (hit?.[0] as PlanCode | undefined) ?? null;
}

const customerId = (c: string | { id: string } | null | undefined) => (typeof c === 'string' ? c : c?.id ?? null);

async function mirrorSubscription(deps: ProcessDeps, event: Stripe.Event, sub: Stripe.Subscription): Promise<void> {
  const userId = await userOfCustomer(deps, customerId(sub.customer)!);
  if (!userId) throw new Error(`no user for Stripe customer ${customerId(sub.customer)}`);
  const item = sub.items.data[0];
  const plan = planOfPrice(deps, item?.price.id);
  // a price we do not know will not become known by retrying: fail for an operator to look at
  if (!item || !plan) throw new PermanentWebhookError(`subscription ${sub.id} has no price of a plan (STRIPE_PRICE_*)`);
  // an event older than the last one applied changes nothing (Stripe delivers out of order); the
  // comparison happens inside the upsert, so concurrent events cannot interleave
  const r = await setMembership({ em: deps.em }, {
    userId, planCode: plan, status: STATUS[sub.status] ?? 'INCOMPLETE',
    currentPeriodStart: new Date(item.current_period_start * 1000), currentPeriodEnd: new Date(item.current_period_end * 1000),
    cancelAtPeriodEnd: sub.cancel_at_period_end, stripeCustomerId: customerId(sub.customer), stripeSubscriptionId: sub.id,
    stripeEventAt: new Date(event.created * 1000),
  });
  if (!r.ok) throw new Error(`membership mirror failed: ${r.error.code}`);
}

/** A paid top-up checkout grants its PURCHASE seconds, once per session (the ledger key says so). */
async function grantTopUp(deps: ProcessDeps, session: Stripe.Checkout.Session): Promise<void> {
  if (session.mode !== 'payment' || session.metadata?.kind !== 'topUp' || session.payment_status !== 'paid') return;
  const userId = session.client_reference_id!;
  const seconds = Number(session.metadata.topUpSeconds);
  const r = await grantPurchase({ em: deps.em, clock: deps.clock, events: deps.events, purchaseExpiryDays: deps.purchaseExpiryDays }, {
    userId, seconds, checkoutSessionId: session.id, amountCents: Number(session.metadata.amountCents ?? session.amount_total ?? 0),
  });
  if (!r.ok) throw new Error(`top-up grant failed: ${r.error.code}`);
}

export const HANDLERS: Record<string, Handler> = {
  'checkout.session.completed': async (deps, event) => {
    const session = event.data.object as Stripe.Checkout.Session;
    const userId = session.client_reference_id;
    const customer = customerId(session.customer);
    if (!userId || !customer) throw new Error(`checkout session ${session.id} has no user or customer`);
    await deps.em.getConnection().execute(
      'insert into stripe_customers (user_id, customer_id) values (?, ?) on conflict do nothing', [userId, customer]);
    // a subscription checkout grants nothing by itself: credits come with invoice.paid
    await grantTopUp(deps, session);
  },
  // a top-up paid by a delayed method (SEPA debit) arrives here instead
  'checkout.session.async_payment_succeeded': async (deps, event) => grantTopUp(deps, event.data.object as Stripe.Checkout.Session),
  'customer.subscription.created': async (deps, event) => mirrorSubscription(deps, event, event.data.object as Stripe.Subscription),
  'customer.subscription.updated': async (deps, event) => mirrorSubscription(deps, event, event.data.object as Stripe.Subscription),
  'customer.subscription.deleted': async (deps, event) => mirrorSubscription(deps, event, event.data.object as Stripe.Subscription),
  'invoice.paid': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    if (invoice.billing_reason !== 'subscription_create' && invoice.billing_reason !== 'subscription_cycle') return;
    const subscription = invoice.parent?.subscription_details?.subscription;
    const subscriptionId = typeof subscription === 'string' ? subscription : subscription?.id;
    const line = invoice.lines.data[0];
    const userId = await userOfCustomer(deps, customerId(invoice.customer)!);
    const plan = planOfPrice(deps, (line?.pricing?.price_details?.price as string | undefined) ?? undefined);
    if (line && !plan) throw new PermanentWebhookError(`invoice ${invoice.id} is for no price of a plan (STRIPE_PRICE_*)`);
    // an unknown customer may be linked by an event still on its way: retry
    if (!userId || !subscriptionId || !line || !plan) throw new Error(`invoice ${invoice.id} cannot be matched to a user and subscription yet`);
    const r = await grantPlanCredits({ em: deps.em, clock: deps.clock, events: deps.events }, {
      userId, subscriptionId, planCode: plan,
      periodStart: new Date(line.period.start * 1000), periodEnd: new Date(line.period.end * 1000),
    });
    if (!r.ok) throw new Error(`plan grant failed: ${r.error.code}`);
  },
  // the renewal invoice is a draft for about an hour: the ended period is closed (idempotent) and its
  // overage attached to this draft, once — by the period's row and the Stripe idempotency key
  'invoice.created': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    if (invoice.billing_reason !== 'subscription_cycle' || invoice.status !== 'draft') return;
    const subscription = invoice.parent?.subscription_details?.subscription;
    const subscriptionId = typeof subscription === 'string' ? subscription : subscription?.id;
    const line = invoice.lines.data[0];
    if (!subscriptionId || !line) return;
    const [period] = await deps.em.getConnection().execute<{ id: string; ended: boolean; soon: boolean }[]>(
      `select up.id, up.period_end <= now() as ended, up.period_end <= now() + interval '5 minutes' as soon
         from usage_periods up join memberships ms on ms.id = up.membership_id
        where ms.stripe_subscription_id = ? and up.period_end = to_timestamp(?)`, [subscriptionId, line.period.start]);
    if (!period) return;
    if (!period.soon) {
      deps.logger.warn({ periodId: period.id, invoice: invoice.id }, 'renewal invoice for a period that has not ended: no overage attached');
      return;
    }
    // within minutes of the end (clocks differ a little): retry until our clock agrees
    const closed = await closePeriod({ em: deps.em, clock: deps.clock, events: deps.events }, { periodId: period.id });
    if (!closed.ok) throw new Error(`closing the period before invoicing failed: ${closed.error.code}`);
    const overage = await overageLineFor(deps.em, period.id);
    if (!overage || overage.status === 'INVOICED') return;
    try {
      const item = await deps.stripe.invoiceItems.create({
        customer: overage.customerId, invoice: invoice.id, amount: overage.amountCents, currency: 'eur',
        description: overage.description, metadata: { periodId: overage.periodId, overageSeconds: String(overage.overageSeconds) },
      }, { idempotencyKey: overage.idempotencyKey });
      await markInvoiced(deps.em, overage.id, item.id, invoice.id ?? null);
    } catch (err) {
      await markFailed(deps.em, overage.id, (err as Error).message);
      throw err;
    }
  },
  // 3-D Secure or a mandate is needed: the customer is told by Stripe; the subscription's own updates
  // carry the status. Recorded for operators.
  'invoice.payment_action_required': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    deps.logger.warn({ invoice: invoice.id, customer: customerId(invoice.customer) }, 'a renewal payment needs the customer\'s action');
  },
  'invoice.payment_failed': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    const userId = await userOfCustomer(deps, customerId(invoice.customer)!);
    if (!userId) return;
    await deps.em.getConnection().execute(
      `update memberships set status = 'PAST_DUE', stripe_event_at = to_timestamp(?), updated_at = now()
        where user_id = ? and (stripe_event_at is null or stripe_event_at < to_timestamp(?))`, [event.created, userId, event.created]);
  },
};

/** The events the Stripe webhook endpoint is set up to send (README, "Stripe"). */
export const SUBSCRIBED_EVENTS = [
  'checkout.session.completed', 'checkout.session.async_payment_succeeded', 'customer.subscription.created',
  'customer.subscription.updated', 'customer.subscription.deleted', 'invoice.created', 'invoice.paid',
  'invoice.payment_failed', 'invoice.payment_action_required',
] as const;

/** Boot refuses when an event type we subscribe to has no handler. */
export function assertHandlersComplete(): void {
  const missing = SUBSCRIBED_EVENTS.filter((t) => !HANDLERS[t]);
  if (missing.length) throw new Error(`Stripe event types without a handler: ${missing.join(', ')}`);
}
