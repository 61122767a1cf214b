// What each Stripe event means for us. Credits are granted on invoice.paid only, keyed by
// (subscription, period start) in the ledger; memberships mirror subscriptions and never move
// backwards on an out-of-order event (the event's time is compared with the last one applied).
import type { Stripe } from './client';
import { closePeriod } from '../domain/ledger/close-period';
import { markFailed, markInvoiced, overageLineFor } from '../domain/billing/overage-invoice';
import { grantUpgradeCredits } from '../domain/ledger/grant-upgrade-credits';
import { grantPurchase } from '../domain/ledger/grant-purchase';
import { setMembership, type MembershipView } from '../domain/memberships/set-membership';
import type { MembershipStatus, PlanCode } from '../db/entities/types';
import { PermanentWebhookError, type ProcessDeps } from './inbox';
import { failpoint } from '../shared/failpoints';
import { expireUnpaidRenewals, grantPeriod, grantRenewalFromDraft, paidGrantRefused, planKey } from './renewals';
import { handledAsSecondSubscription } from './second-subscriptions';
import { endPeriodOfDeletedSubscription } from './subscription-ended';
import { recordCheckoutCompleted } from './checkout-completed';
import { STRIPE_ACTOR } from '../domain/audit/audit';

export type Handler = (deps: ProcessDeps, event: Stripe.Event) => Promise<void>;

/** Stripe's subscription status → ours. */
export const STATUS: Record<string, MembershipStatus> = {
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

function mirrorSubscription(deps: ProcessDeps, event: Stripe.Event, sub: Stripe.Subscription): Promise<MembershipView> {
  return mirrorSubscriptionAt(deps, new Date(event.created * 1000), sub);
}

/** The membership as the subscription says, unless something newer than `asOf` was applied already. */
export async function mirrorSubscriptionAt(deps: ProcessDeps, asOf: Date, sub: Stripe.Subscription): Promise<MembershipView> {
  const userId = await userOfCustomer(deps, customerId(sub.customer)!);
  if (!userId) throw new Error(`no user for Stripe customer ${customerId(sub.customer)}`);
  const item = sub.items.data[0];
  const plan = planOfPrice(deps, item?.price.id);
  // a price we do not know will not become known by retrying: fail for an operator to look at
  if (!item || !plan) throw new PermanentWebhookError(`subscription ${sub.id} has no price of a plan (STRIPE_PRICE_*)`);
  // an event older than the last one applied changes nothing (Stripe delivers out of order); the
  // comparison happens inside the upsert, so concurrent events cannot interleave
  const r = await setMembership({ em: deps.em, actor: STRIPE_ACTOR }, {
    userId, planCode: plan, status: STATUS[sub.status] ?? 'INCOMPLETE',
    currentPeriodStart: new Date(item.current_period_start * 1000), currentPeriodEnd: new Date(item.current_period_end * 1000),
    cancelAtPeriodEnd: sub.cancel_at_period_end, stripeCustomerId: customerId(sub.customer), stripeSubscriptionId: sub.id,
    stripeEventAt: asOf,
  });
  if (!r.ok) throw new Error(`membership mirror failed: ${r.error.code}`);
  return r.value;
}


/** A paid top-up checkout grants its PURCHASE seconds, once per session (the ledger key says so). */
async function grantTopUp(deps: ProcessDeps, session: Stripe.Checkout.Session): Promise<void> {
  if (session.mode !== 'payment' || session.metadata?.kind !== 'topUp' || session.payment_status !== 'paid') return;
  const userId = session.client_reference_id!;
  const seconds = Number(session.metadata.topUpSeconds);
  const r = await grantPurchase({ em: deps.em, clock: deps.clock, events: deps.events, purchaseExpiryDays: deps.purchaseExpiryDays }, {
    userId, seconds, checkoutSessionId: session.id, amountCents: Number(session.metadata.amountCents ?? session.amount_total ?? 0),
  });
  if (!r.ok) throw paidGrantRefused(deps, 'top-up grant', session.id, userId, r.error);
}

const subscriptionOf = (invoice: Stripe.Invoice): string | null => {
  const subscription = invoice.parent?.subscription_details?.subscription;
  return (typeof subscription === 'string' ? subscription : subscription?.id) ?? null;
};
const priceOf = (line: Stripe.InvoiceLineItem | undefined): string | undefined =>
  (line?.pricing?.price_details?.price as string | undefined) ?? undefined;

/** The invoice line of a plan's price (a subscription line), whatever else the invoice carries. */
function planLineOf(deps: ProcessDeps, invoice: Stripe.Invoice): Stripe.InvoiceLineItem | undefined {
  return invoice.lines.data.find((l) => planOfPrice(deps, priceOf(l)) !== null);
}

/**
 * What a paid invoice grants: a period's included seconds (subscription_create / _cycle), or the
 * prorated difference of an upgrade (subscription_update). Keyed in the ledger, so the webhook and
 * the reconciliation may both apply the same invoice. Answers whether the invoice grants anything.
 */
export async function applyPaidInvoice(deps: ProcessDeps, invoice: Stripe.Invoice): Promise<boolean> {
  if (invoice.status !== undefined && invoice.status !== null && invoice.status !== 'paid') return false;
  if (invoice.billing_reason === 'subscription_update') return applyUpgradeInvoice(deps, invoice);
  if (invoice.billing_reason !== 'subscription_create' && invoice.billing_reason !== 'subscription_cycle') return false;
  const subscriptionId = subscriptionOf(invoice);
  // the subscription's own line: Stripe lists invoice items (our overage) on the same invoice, in
  // any order, so the first line is not necessarily the plan's
  const line = planLineOf(deps, invoice);
  const userId = await userOfCustomer(deps, customerId(invoice.customer)!);
  const plan = planOfPrice(deps, priceOf(line));
  if (!line && invoice.lines.data.some((l) => priceOf(l))) {
    throw new PermanentWebhookError(`invoice ${invoice.id} is for no price of a plan (STRIPE_PRICE_*)`);
  }
  // an unknown customer may be linked by an event still on its way: retry
  if (!userId || !subscriptionId || !line || !plan) throw new Error(`invoice ${invoice.id} cannot be matched to a user and subscription yet`);
  // a renewal granted when its period opened is confirmed now (and a grant made here never awaits)
  const r = await grantPeriod(deps, {
    userId, subscriptionId, planCode: plan,
    periodStart: new Date(line.period.start * 1000), periodEnd: new Date(line.period.end * 1000), awaitingPayment: false,
  });
  if (!r.ok) throw paidGrantRefused(deps, 'plan grant', invoice.id!, userId, r.error);
  return true;
}

async function planGrantExists(deps: ProcessDeps, subscriptionId: string, periodStart: Date): Promise<boolean> {
  const rows = await deps.em.getConnection().execute<unknown[]>(
    `select 1 from credit_grants where source = 'PLAN' and idempotency_key = ? limit 1`, [planKey(subscriptionId, periodStart)]);
  return rows.length > 0;
}

/**
 * Renewals are usable from their first second (billing rules §5): when Stripe moves a live
 * subscription's period past its first one, the new period's included seconds are granted at once,
 * awaiting the renewal invoice's payment. The first period is granted by its invoice.paid only; a
 * PAST_DUE (or ended) membership gets no new PLAN grant. Keyed by (subscription, period start),
 * so a repeated or late event and the invoice.paid that follows grant nothing more.
 */
async function grantOpenedRenewal(deps: ProcessDeps, view: MembershipView, sub: Stripe.Subscription): Promise<void> {
  const item = sub.items.data[0];
  if (!item || (sub.status !== 'active' && sub.status !== 'trialing')) return;
  if (view.status !== 'ACTIVE' && view.status !== 'TRIALING') return; // a newer event says otherwise
  const firstStart = (sub as { start_date?: number }).start_date ?? sub.created;
  if (item.current_period_start <= firstStart) return; // the first period: its invoice.paid grants it
  const periodStart = new Date(item.current_period_start * 1000);
  const periodEnd = new Date(item.current_period_end * 1000);
  if (periodEnd.getTime() <= (deps.clock.now() ?? new Date()).getTime()) return; // a late event of a period long gone
  const plan = planOfPrice(deps, item.price.id);
  if (!plan) return;
  // the period was granted when it opened; a plan change inside it moves the price, and its own
  // proration invoice grants the difference (an upgrade) — the opening grant stays as it was
  if (await planGrantExists(deps, sub.id, periodStart)) return;
  const r = await grantPeriod(deps, { userId: view.userId, subscriptionId: sub.id, planCode: plan, periodStart, periodEnd, awaitingPayment: true });
  if (!r.ok) throw paidGrantRefused(deps, 'renewal grant', sub.id, view.userId, r.error);
}

/**
 * A proration invoice: "unused time on <old plan>" (negative) and "remaining time on <new plan>"
 * (positive), both over [change, period end). An upgrade grants; a change to a smaller plan (made
 * elsewhere, e.g. the billing portal with proration) grants nothing.
 */
async function applyUpgradeInvoice(deps: ProcessDeps, invoice: Stripe.Invoice): Promise<boolean> {
  const subscriptionId = subscriptionOf(invoice);
  const lines = invoice.lines.data;
  const added = lines.find((l) => l.amount > 0 && planOfPrice(deps, priceOf(l)));
  const removed = lines.find((l) => l.amount < 0 && planOfPrice(deps, priceOf(l)));
  if (!added || !removed || !subscriptionId) {
    deps.logger.warn({ invoice: invoice.id }, 'a subscription_update invoice without a plan change: nothing granted');
    return false;
  }
  const toPlan = planOfPrice(deps, priceOf(added))!;
  const fromPlan = planOfPrice(deps, priceOf(removed))!;
  const userId = await userOfCustomer(deps, customerId(invoice.customer)!);
  if (!userId) throw new Error(`invoice ${invoice.id} cannot be matched to a user yet`);
  const r = await grantUpgradeCredits({ em: deps.em, clock: deps.clock, events: deps.events }, {
    userId, subscriptionId, invoiceId: invoice.id!, fromPlan, toPlan,
    changedAt: new Date(added.period.start * 1000), periodEnd: new Date(added.period.end * 1000),
  });
  if (!r.ok) {
    // a move to a plan with fewer included seconds, or the period ended before the payment
    // arrived: nothing to grant (the ledger function decides, from the plans' data)
    if (r.error.code === 'INVALID_ARGUMENT' || r.error.code === 'INVALID_PERIOD') return false;
    // the membership's period is opened by the subscription's own event: retry
    throw paidGrantRefused(deps, 'upgrade grant', invoice.id!, userId, r.error);
  }
  return true;
}

export const HANDLERS: Record<string, Handler> = {
  'checkout.session.completed': async (deps, event) => {
    const session = event.data.object as Stripe.Checkout.Session;
    const userId = session.client_reference_id;
    const customer = customerId(session.customer);
    if (!userId || !customer) throw new Error(`checkout session ${session.id} has no user or customer`);
    await recordCheckoutCompleted(deps, session, userId, customer); // the customer linked, and audited
    if (await handledAsSecondSubscription(deps, event)) return;
    // a subscription checkout grants nothing by itself: credits come with invoice.paid
    await grantTopUp(deps, session);
  },
  // a top-up paid by a delayed method (SEPA debit) arrives here instead
  'checkout.session.async_payment_succeeded': async (deps, event) => grantTopUp(deps, event.data.object as Stripe.Checkout.Session),
  'customer.subscription.created': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    await mirrorSubscription(deps, event, event.data.object as Stripe.Subscription);
  },
  'customer.subscription.updated': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    const sub = event.data.object as Stripe.Subscription;
    const view = await mirrorSubscription(deps, event, sub);
    await grantOpenedRenewal(deps, view, sub);
    await expireUnpaidRenewals(deps, sub);
  },
  'customer.subscription.deleted': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    await mirrorSubscription(deps, event, event.data.object as Stripe.Subscription);
    await expireUnpaidRenewals(deps, event.data.object as Stripe.Subscription);
    await endPeriodOfDeletedSubscription(deps, event.data.object as Stripe.Subscription);
  },
  'invoice.paid': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    await applyPaidInvoice(deps, event.data.object as Stripe.Invoice);
  },
  // the renewal invoice is a draft for about an hour: the ended period is closed (idempotent) and its
  // overage attached to this draft, once — by the period's row and the Stripe idempotency key
  'invoice.created': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    await grantRenewalFromDraft(deps, invoice); // the period's move may not have arrived yet
    if (invoice.billing_reason !== 'subscription_cycle' || invoice.status !== 'draft') return;
    const subscription = invoice.parent?.subscription_details?.subscription;
    const subscriptionId = typeof subscription === 'string' ? subscription : subscription?.id;
    const line = planLineOf(deps, invoice);
    if (!subscriptionId || !line) return;
    const [period] = await deps.em.getConnection().execute<{ id: string; ended: boolean; soon: boolean }[]>(
      `select up.id, up.period_end <= coalesce(?::timestamptz, now()) as ended, up.period_end <= coalesce(?::timestamptz, now()) + interval '5 minutes' as soon
         from usage_periods up join memberships ms on ms.id = up.membership_id
        where ms.stripe_subscription_id = ? and up.period_end = to_timestamp(?)`, [deps.clock.now(), deps.clock.now(), subscriptionId, line.period.start]);
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
      failpoint('overage.after-stripe-item'); // Stripe has the item, our row does not know yet
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
  // a subscription's invoice failed: its membership is PAST_DUE (no new PLAN grant, no overage) until
  // paid. A one-off invoice (a final overage invoice) says nothing about a membership, and an ended
  // membership is never reopened by it (an erasure or a cancellation came first)
  'invoice.payment_failed': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    const subscriptionId = subscriptionOf(invoice);
    if (!subscriptionId) {
      deps.logger.warn({ invoice: invoice.id, customer: customerId(invoice.customer) }, 'a one-off invoice could not be charged: open at Stripe');
      return;
    }
    const userId = await userOfCustomer(deps, customerId(invoice.customer)!);
    if (!userId) return;
    await deps.em.getConnection().execute(
      `update memberships set status = 'PAST_DUE', stripe_event_at = to_timestamp(?), updated_at = now()
        where user_id = ? and stripe_subscription_id = ? and status <> 'CANCELED'
          and (stripe_event_at is null or stripe_event_at < to_timestamp(?))`, [event.created, userId, subscriptionId, event.created]);
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
