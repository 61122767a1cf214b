// An immediate cancellation ends the period at once (billing rules §5) — by our cancelMembership,
// in Stripe's billing portal, or by Stripe itself: the PLAN seconds left expire (EXPIRY), the
// overage so far is fixed and billed on a final invoice at once. Runs when the mutation answers and
// again when customer.subscription.deleted is processed: exactly once all the same, since closing a
// closed period answers its first result, the invoice line is one row per period and the Stripe
// calls carry keys from business identity. A line Stripe refused is left FAILED, for the
// close-periods sweep's retry with backoff; a crash before the line exists is repaired by the next
// run (the webhook's retry), which bills every closed period of the ended membership owing overage
// that has no line yet. A cancellation at the period end is not for here: its period closes at its
// end, by the sweep.
import type { LedgerDeps } from '../ledger/deps';
import { endCanceledPeriods, type PeriodCloseOutcome } from '../ledger/close-period';
import type { Payments } from '../ports';
import { billFinalPeriods } from './bill-final-periods';

export interface EndedMembership {
  /** Periods ended now by this call (none when they were ended before). */
  closed: PeriodCloseOutcome[];
  /** Final overage invoices made now. */
  billed: number;
}

/** Closed periods of the ended membership that owe overage and have no invoice line yet. */
const UNBILLED = `select up.id from usage_periods up
    join memberships ms on ms.id = up.membership_id
   where ms.user_id = ? and ms.stripe_subscription_id = ? and ms.status = 'CANCELED'
     and up.status = 'CLOSED' and up.overage_cents > 0
     and not exists (select 1 from overage_invoices oi where oi.period_id = up.id)
   order by up.period_start`;

export async function endCanceledMembership(
  deps: LedgerDeps & { payments: Pick<Payments, 'invoiceFinalOverage'> },
  input: { userId: string; subscriptionId: string },
): Promise<EndedMembership> {
  const conn = deps.em.getConnection();
  // only the membership of this subscription, ended; an account being erased closes and bills its own
  const [m] = await conn.execute<{ n: number }[]>(
    `select 1 as n from memberships ms
      where ms.user_id = ? and ms.stripe_subscription_id = ? and ms.status = 'CANCELED'
        and not exists (select 1 from erasure_requests er where er.user_id = ms.user_id)`,
    [input.userId, input.subscriptionId],
  );
  if (!m) return { closed: [], billed: 0 };
  const closed = await endCanceledPeriods(deps, { userId: input.userId });
  if (!closed.ok) throw new Error(`ending the periods of a cancelled membership failed: ${closed.error.code}`);
  const owed = await conn.execute<{ id: string }[]>(UNBILLED, [input.userId, input.subscriptionId]);
  const billing = owed.length
    ? await billFinalPeriods(
        { em: deps.em, payments: deps.payments },
        owed.map((p) => p.id),
      )
    : { billed: 0 };
  return { closed: closed.value, billed: billing.billed };
}
