// What the domain needs from outside, as interfaces: adapters (Redis pub/sub, queues) implement
// them; the domain imports no transport.
import type { BalanceSnapshot } from './ledger/views';

export type UsageAlertKind = 'INCLUDED_50' | 'INCLUDED_80' | 'INCLUDED_100' | 'OVERAGE_STARTED' | 'OVERAGE_LIMIT_80' | 'OVERAGE_LIMIT_100' | 'LOW_BALANCE';

export interface UsageAlertView {
  id: string;
  userId: string;
  periodId: string;
  kind: UsageAlertKind;
  usedSeconds: number;
  includedSeconds: number;
  overageSeconds: number;
  balanceSeconds: number;
  createdAt: Date;
}

/** Told after a change is committed; implementations must not throw. */
export interface LedgerEvents {
  balanceChanged(balance: BalanceSnapshot): void;
  usageAlerts(alerts: UsageAlertView[]): void;
}

export const noEvents: LedgerEvents = { balanceChanged: () => undefined, usageAlerts: () => undefined };

/** The job queues, for operators: failed jobs of every queue, and a retry of a Stripe event by its id. */
export interface WebhookJobs {
  failed(
    limit: number,
  ): Promise<{ id: string; queue: string; type: string; eventId: string | null; failedReason: string; attemptsMade: number; failedAt: Date | null }[]>;
  retry(eventId: string): Promise<void>;
}

/** The payment provider, as the domain needs it (Stripe behind it). */
export interface Payments {
  /** The provider's customer of a user, created once. */
  ensureCustomer(user: { id: string; email: string }): Promise<string>;
  /** A hosted checkout for a subscription to the plan; answers where to send the user. */
  createSubscriptionCheckout(input: {
    userId: string;
    customerId: string;
    planCode: 'STARTER' | 'BUSINESS' | 'ENTERPRISE';
    successUrl: string;
    cancelUrl: string;
    /** Stripe's Idempotency-Key (from the user and the client's key), when the client gave one. */
    idempotencyKey?: string;
  }): Promise<{ id: string; url: string }>;
  /** Ends a subscription at once (erasure); one that has ended already, or is unknown, counts as ended. */
  cancelSubscriptionNow(subscriptionId: string): Promise<{ alreadyEnded: boolean }>;
  /** The customer's invoices not paid yet (drafts and open ones), newest first: what an erasure leaves for an operator. */
  unpaidInvoices(customerId: string): Promise<{ id: string; status: string; amountDueCents: number }[]>;
  /** Deletes the provider's customer (erasure); an unknown one counts as deleted. */
  deleteCustomer(customerId: string): Promise<{ alreadyDeleted: boolean }>;
  /** Ends the subscription, at the period end (default) or now; answers whether it ends at the period end. */
  cancelSubscription(subscriptionId: string, atPeriodEnd: boolean): Promise<{ cancelAtPeriodEnd: boolean; status: string }>;
  /**
   * Bills a final period's overage on its own invoice (no renewal will carry it), once. With
   * `collectNow` the invoice is also charged at once (before an erasure deletes the customer);
   * `paid` is false when the charge was declined — the invoice stays open, a matter of collection.
   */
  invoiceFinalOverage(input: {
    customerId: string;
    subscriptionId: string;
    amountCents: number;
    description: string;
    idempotencyKey: string;
    metadata: Record<string, string>;
    collectNow?: boolean;
  }): Promise<{ itemId: string; invoiceId: string; paid?: boolean }>;
  /** A hosted one-time payment for a top-up of `seconds`. */
  createTopUpCheckout(input: {
    userId: string;
    customerId: string;
    seconds: number;
    amountCents: number;
    successUrl: string;
    cancelUrl: string;
    idempotencyKey?: string;
  }): Promise<{ id: string; url: string }>;
  /**
   * Moves the subscription to the plan: NOW with proration charged at once (an upgrade), at
   * PERIOD_END (a downgrade: the price switches at the renewal), or KEEP the current plan by
   * dropping a change that waits for the period end.
   */
  changeSubscriptionPlan(input: {
    subscriptionId: string;
    planCode: 'STARTER' | 'BUSINESS' | 'ENTERPRISE';
    when: 'NOW' | 'PERIOD_END' | 'KEEP';
    idempotencyKey: string;
  }): Promise<{ paymentPending: boolean }>;
  /** The provider's self-service portal (payment methods, invoices) for a customer. */
  createBillingPortalSession(input: { customerId: string; returnUrl: string }): Promise<{ url: string }>;
}

/** A renewal's draft invoice at the payment provider: an ended period's overage is added to it, once (the key). */
export interface RenewalInvoices {
  addOverageItem(input: {
    customerId: string;
    invoiceId: string;
    amountCents: number;
    description: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<{ itemId: string }>;
}

/** The job that processes a stored payment-provider event, one per event id (a second enqueue is the same job). */
export interface EventJobs {
  enqueue(eventId: string): Promise<void>;
}

/**
 * The erasure jobs (billing rules §10): one per user — the job id comes from the user id, so a
 * second request is the same job. Enqueueing must not throw: the request row is stored first and a
 * sweep enqueues pending requests again.
 */
export interface ErasureJobs {
  enqueue(userId: string): Promise<void>;
}
