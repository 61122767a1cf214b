import { grantPeriod } from '../ledger/grant-period';
import type { RenewalDraft } from './attach-renewal-overage';
import type { PaymentEventDeps } from './deps';
import { paidGrantRefused } from './paid-grant-refused';

/**
 * A renewal's draft invoice may come before the subscription's period move: the new period (the
 * plan line's period) is granted from it, awaiting payment — if the membership follows this
 * subscription and is ACTIVE or TRIALING (a PAST_DUE one gets no new PLAN grant) and the period has
 * not ended. Keyed like every PLAN grant, so the period move and the invoice.paid that follow grant
 * nothing more.
 */
export async function grantRenewalFromDraft(deps: PaymentEventDeps, draft: RenewalDraft): Promise<void> {
  const { subscriptionId, planLine: line } = draft;
  const [ms] = await deps.em
    .getConnection()
    .execute<{ user_id: string; status: string }[]>('select user_id, status from memberships where stripe_subscription_id = ?', [subscriptionId]);
  if (!ms || (ms.status !== 'ACTIVE' && ms.status !== 'TRIALING')) return;
  const { periodStart, periodEnd } = line;
  if (periodEnd.getTime() <= (deps.clock.now() ?? new Date()).getTime()) return; // a late draft of a period long gone
  const r = await grantPeriod(deps, { userId: ms.user_id, subscriptionId, planCode: line.planCode, periodStart, periodEnd, awaitingPayment: true });
  if (!r.ok) throw paidGrantRefused(deps, 'renewal grant from the draft invoice', draft.invoiceId, ms.user_id, r.error);
}
