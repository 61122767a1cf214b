// What each Stripe event means for us: one small handler per event type, translating the event's
// object into the domain's inputs (./translate) and calling the use cases in src/domain. Credits
// are granted on invoice.paid only, keyed by (subscription, period start) in the ledger;
// memberships mirror subscriptions and never move backwards on an out-of-order event (the event's
// time is compared with the last one applied).
import type { Stripe } from './client';
import type { ProcessDeps } from './deps';
import { applyPaidInvoice } from '../domain/billing/apply-paid-invoice';
import { attachRenewalOverage } from '../domain/billing/attach-renewal-overage';
import { grantOpenedRenewal } from '../domain/billing/grant-opened-renewal';
import { grantTopUp } from '../domain/billing/grant-top-up';
import { markSubscriptionPastDue } from '../domain/memberships/mark-past-due';
import { mirrorSubscription } from '../domain/memberships/mirror-subscription';
import { addOverageItem } from './payments';
import { grantRenewalFromDraft } from '../domain/billing/grant-renewal-from-draft';
import { expireUnpaidRenewals } from './renewals';
import { handledAsSecondSubscription } from './second-subscriptions';
import { endPeriodOfDeletedSubscription } from './subscription-ended';
import { recordCheckoutCompleted } from './checkout-completed';
import { customerId, openedPeriodOf, paidInvoiceOf, paidTopUpOf, renewalDraftOf, subscriptionOf, subscriptionState } from './translate';

export type Handler = (deps: ProcessDeps, event: Stripe.Event) => Promise<void>;

export { STATUS } from './translate';

const eventAt = (event: Stripe.Event) => new Date(event.created * 1000);

/** A paid top-up checkout grants its PURCHASE seconds; any other session grants nothing. */
async function topUp(deps: ProcessDeps, session: Stripe.Checkout.Session): Promise<void> {
  const paid = paidTopUpOf(session);
  if (paid) await grantTopUp(deps, paid);
}

/** The event map: every event type we handle, and its handler. */
export const HANDLERS: Record<string, Handler> = {
  'checkout.session.completed': async (deps, event) => {
    const session = event.data.object as Stripe.Checkout.Session;
    const userId = session.client_reference_id;
    const customer = customerId(session.customer);
    if (!userId || !customer) throw new Error(`checkout session ${session.id} has no user or customer`);
    await recordCheckoutCompleted(deps, session, userId, customer); // the customer linked, and audited
    if (await handledAsSecondSubscription(deps, event)) return;
    // a subscription checkout grants nothing by itself: credits come with invoice.paid
    await topUp(deps, session);
  },
  // a top-up paid by a delayed method (SEPA debit) arrives here instead
  'checkout.session.async_payment_succeeded': async (deps, event) => topUp(deps, event.data.object as Stripe.Checkout.Session),
  'customer.subscription.created': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    await mirrorSubscription(deps, eventAt(event), subscriptionState(deps.prices, event.data.object as Stripe.Subscription));
  },
  'customer.subscription.updated': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    const sub = event.data.object as Stripe.Subscription;
    const view = await mirrorSubscription(deps, eventAt(event), subscriptionState(deps.prices, sub));
    await grantOpenedRenewal(deps, view, openedPeriodOf(deps.prices, sub, event.data.previous_attributes as Partial<Stripe.Subscription> | undefined));
    await expireUnpaidRenewals(deps, sub);
  },
  'customer.subscription.deleted': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    const sub = event.data.object as Stripe.Subscription;
    await mirrorSubscription(deps, eventAt(event), subscriptionState(deps.prices, sub));
    await expireUnpaidRenewals(deps, sub);
    await endPeriodOfDeletedSubscription(deps, sub);
  },
  'invoice.paid': async (deps, event) => {
    if (await handledAsSecondSubscription(deps, event)) return;
    await applyPaidInvoice(deps, paidInvoiceOf(deps.prices, event.data.object as Stripe.Invoice));
  },
  // the renewal invoice is a draft for about an hour: the ended period's overage is attached to it, once
  'invoice.created': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    const draft = renewalDraftOf(deps.prices, invoice);
    if (!draft) return;
    await grantRenewalFromDraft(deps, draft); // the period's move may not have arrived yet
    await attachRenewalOverage({ ...deps, invoices: { addOverageItem: (input) => addOverageItem(deps.stripe, input) } }, draft);
  },
  // 3-D Secure or a mandate is needed: the customer is told by Stripe; the subscription's own updates
  // carry the status. Recorded for operators.
  'invoice.payment_action_required': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    deps.logger.warn({ invoice: invoice.id, customer: customerId(invoice.customer) }, "a renewal payment needs the customer's action");
  },
  // a subscription's invoice failed: its membership is PAST_DUE until paid. A one-off invoice (a
  // final overage invoice) says nothing about a membership
  'invoice.payment_failed': async (deps, event) => {
    const invoice = event.data.object as Stripe.Invoice;
    const subscriptionId = subscriptionOf(invoice);
    if (!subscriptionId) {
      deps.logger.warn({ invoice: invoice.id, customer: customerId(invoice.customer) }, 'a one-off invoice could not be charged: open at Stripe');
      return;
    }
    await markSubscriptionPastDue(deps, { customerId: customerId(invoice.customer), subscriptionId, eventAt: eventAt(event) });
  },
};

/** The events the Stripe webhook endpoint is set up to send (README, "Stripe"). */
export const SUBSCRIBED_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.created',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.payment_action_required',
] as const;

/** Boot refuses when an event type we subscribe to has no handler. */
export function assertHandlersComplete(): void {
  const missing = SUBSCRIBED_EVENTS.filter((t) => !HANDLERS[t]);
  if (missing.length) throw new Error(`Stripe event types without a handler: ${missing.join(', ')}`);
}
