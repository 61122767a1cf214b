// Stripe's objects → the domain's inputs: what the event handlers and the reconciliation hand to
// the use cases. Nothing here decides anything.
import type { Stripe } from './client';
import type { MembershipStatus, PlanCode } from '../db/entities/types';
import type { PaidInvoice, PlanLine } from '../domain/billing/apply-paid-invoice';
import type { RenewalDraft } from '../domain/billing/attach-renewal-overage';
import type { OpenedPeriod } from '../domain/billing/grant-opened-renewal';
import type { PaidTopUp } from '../domain/billing/grant-top-up';
import type { SubscriptionState } from '../domain/memberships/mirror-subscription';

/** Price ids by plan (STRIPE_PRICE_*). */
export type Prices = Record<string, string>;

/** Stripe's subscription status → ours. */
export const STATUS: Record<string, MembershipStatus> = {
  incomplete: 'INCOMPLETE',
  incomplete_expired: 'CANCELED',
  trialing: 'TRIALING',
  active: 'ACTIVE',
  past_due: 'PAST_DUE',
  canceled: 'CANCELED',
  unpaid: 'UNPAID',
  paused: 'PAST_DUE',
};

export const customerId = (c: string | { id: string } | null | undefined) => (typeof c === 'string' ? c : (c?.id ?? null));

export function planOfPrice(prices: Prices, priceId: string | undefined): PlanCode | null {
  const hit = Object.entries(prices).find(([, id]) => id === priceId);
  return (hit?.[0] as PlanCode | undefined) ?? null;
}

export const subscriptionOf = (invoice: Stripe.Invoice): string | null => {
  const subscription = invoice.parent?.subscription_details?.subscription;
  return (typeof subscription === 'string' ? subscription : subscription?.id) ?? null;
};
const priceOf = (line: Stripe.InvoiceLineItem | undefined): string | undefined => (line?.pricing?.price_details?.price as string | undefined) ?? undefined;
const at = (seconds: number) => new Date(seconds * 1000);

/** The invoice line of a plan's price (a subscription line), whatever else the invoice carries. */
function planLineOf(prices: Prices, invoice: Stripe.Invoice): Stripe.InvoiceLineItem | undefined {
  return invoice.lines.data.find((l) => planOfPrice(prices, priceOf(l)) !== null);
}
const planLine = (prices: Prices, line: Stripe.InvoiceLineItem | undefined): PlanLine | null => {
  const planCode = planOfPrice(prices, priceOf(line));
  return line && planCode ? { planCode, periodStart: at(line.period.start), periodEnd: at(line.period.end) } : null;
};

export function subscriptionState(prices: Prices, sub: Stripe.Subscription): SubscriptionState {
  const item = sub.items.data[0];
  return {
    subscriptionId: sub.id,
    customerId: customerId(sub.customer),
    status: STATUS[sub.status] ?? 'INCOMPLETE',
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    item: item ? { planCode: planOfPrice(prices, item.price.id), periodStart: at(item.current_period_start), periodEnd: at(item.current_period_end) } : null,
  };
}

export function openedPeriodOf(prices: Prices, sub: Stripe.Subscription, previous?: Partial<Stripe.Subscription> | null): OpenedPeriod | null {
  const item = sub.items.data[0];
  if (!item) return null;
  const firstStart = (sub as { start_date?: number }).start_date ?? sub.created;
  // the price moved while the period stayed where it was: a plan change inside the period, not its opening
  const before = previous?.items?.data?.[0];
  const planChangeOnly =
    !!before?.price?.id &&
    before.price.id !== item.price.id &&
    (before.current_period_start === undefined || before.current_period_start === item.current_period_start);
  return {
    subscriptionId: sub.id,
    live: sub.status === 'active' || sub.status === 'trialing',
    firstPeriod: item.current_period_start <= firstStart,
    planChangeOnly,
    planCode: planOfPrice(prices, item.price.id),
    periodStart: at(item.current_period_start),
    periodEnd: at(item.current_period_end),
  };
}

export function paidInvoiceOf(prices: Prices, invoice: Stripe.Invoice): PaidInvoice {
  const lines = invoice.lines.data;
  return {
    invoiceId: invoice.id!,
    customerId: customerId(invoice.customer),
    subscriptionId: subscriptionOf(invoice),
    paid: invoice.status === undefined || invoice.status === null || invoice.status === 'paid',
    reason:
      invoice.billing_reason === 'subscription_update'
        ? 'PLAN_CHANGE'
        : invoice.billing_reason === 'subscription_create' || invoice.billing_reason === 'subscription_cycle'
          ? 'PERIOD'
          : 'OTHER',
    planLine: planLine(prices, planLineOf(prices, invoice)),
    hasPricedLine: lines.some((l) => priceOf(l)),
    added: planLine(
      prices,
      lines.find((l) => l.amount > 0 && planOfPrice(prices, priceOf(l))),
    ),
    removed: planLine(
      prices,
      lines.find((l) => l.amount < 0 && planOfPrice(prices, priceOf(l))),
    ),
  };
}

/** A draft renewal invoice (billing reason subscription_cycle) with a plan line, or null. */
export function renewalDraftOf(prices: Prices, invoice: Stripe.Invoice): RenewalDraft | null {
  if (invoice.billing_reason !== 'subscription_cycle' || invoice.status !== 'draft') return null;
  const subscriptionId = subscriptionOf(invoice);
  const line = planLine(prices, planLineOf(prices, invoice));
  if (!subscriptionId || !line) return null;
  return { invoiceId: invoice.id!, subscriptionId, planLine: line };
}

/** A paid top-up checkout, or null for any other session (a subscription's, an unpaid one). */
export function paidTopUpOf(session: Stripe.Checkout.Session): PaidTopUp | null {
  if (session.mode !== 'payment' || session.metadata?.kind !== 'topUp' || session.payment_status !== 'paid') return null;
  return {
    userId: session.client_reference_id!,
    seconds: Number(session.metadata.topUpSeconds),
    checkoutSessionId: session.id,
    amountCents: Number(session.metadata.amountCents ?? session.amount_total ?? 0),
  };
}
