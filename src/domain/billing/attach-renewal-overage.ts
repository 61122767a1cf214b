// The renewal invoice is a draft for about an hour: the ended period is closed (idempotent) and its
// overage attached to this draft, once — by the period's row and the provider's idempotency key.
import { failpoint } from '../../shared/failpoints';
import { closePeriod } from '../ledger/close-period';
import type { RenewalInvoices } from '../ports';
import type { PlanLine } from './apply-paid-invoice';
import type { PaymentEventDeps } from './deps';
import { markFailed, markInvoiced, overageLineFor } from './overage-invoice';

/** A subscription's draft renewal invoice; its plan line's period starts where the period it follows ended. */
export interface RenewalDraft {
  invoiceId: string;
  subscriptionId: string;
  planLine: PlanLine;
}

export async function attachRenewalOverage(deps: PaymentEventDeps & { invoices: RenewalInvoices }, draft: RenewalDraft): Promise<void> {
  const [period] = await deps.em.getConnection().execute<{ id: string; ended: boolean; soon: boolean }[]>(
    `select up.id, up.period_end <= coalesce(?::timestamptz, now()) as ended, up.period_end <= coalesce(?::timestamptz, now()) + interval '5 minutes' as soon
       from usage_periods up join memberships ms on ms.id = up.membership_id
      where ms.stripe_subscription_id = ? and up.period_end = to_timestamp(?)`,
    [deps.clock.now(), deps.clock.now(), draft.subscriptionId, draft.planLine.periodStart.getTime() / 1000],
  );
  if (!period) return;
  if (!period.soon) {
    deps.logger.warn({ periodId: period.id, invoice: draft.invoiceId }, 'renewal invoice for a period that has not ended: no overage attached');
    return;
  }
  // within minutes of the end (clocks differ a little): retry until our clock agrees
  const closed = await closePeriod({ em: deps.em, clock: deps.clock, events: deps.events }, { periodId: period.id });
  if (!closed.ok) throw new Error(`closing the period before invoicing failed: ${closed.error.code}`);
  const overage = await overageLineFor(deps.em, period.id);
  if (!overage || overage.status === 'INVOICED') return;
  try {
    const item = await deps.invoices.addOverageItem({
      customerId: overage.customerId,
      invoiceId: draft.invoiceId,
      amountCents: overage.amountCents,
      description: overage.description,
      metadata: { periodId: overage.periodId, overageSeconds: String(overage.overageSeconds) },
      idempotencyKey: overage.idempotencyKey,
    });
    failpoint('overage.after-stripe-item'); // the provider has the item, our row does not know yet
    await markInvoiced(deps.em, overage.id, item.itemId, draft.invoiceId);
  } catch (err) {
    await markFailed(deps.em, overage.id, (err as Error).message);
    throw err;
  }
}
