// After a cancellation no renewal invoice comes to carry the last period's overage: once such a
// period is closed, its overage goes on an invoice of its own — once, by the period's row and the
// provider idempotency keys.
import type { Em } from '../../db/em';
import type { Payments } from '../ports';
import { uuidArray } from '../queries/lookups';
import { markFailed, markInvoiced, overageLineFor } from './overage-invoice';

export interface FinalBilling {
  /** Periods invoiced now. */
  billed: number;
  /** Of those charged at once (`collectNow`), the ones whose charge was declined: open at Stripe. */
  declined: string[];
}

/** Invoices the final periods' overage; with `collectNow` also charges each invoice at once. */
export async function billFinalPeriods(
  deps: { em: Em; payments: Pick<Payments, 'invoiceFinalOverage'> },
  periodIds: string[],
  opts: { collectNow?: boolean } = {},
): Promise<FinalBilling> {
  const declined: string[] = [];
  let billed = 0;
  for (const periodId of periodIds) {
    const [m] = await deps.em
      .getConnection()
      .execute<{ status: string; cancel_at_period_end: boolean }[]>(
        `select ms.status, ms.cancel_at_period_end from usage_periods up join memberships ms on ms.id = up.membership_id where up.id = ?`,
        [periodId],
      );
    if (!m || (m.status !== 'CANCELED' && !m.cancel_at_period_end)) continue; // a renewal invoice will carry it
    const line = await overageLineFor(deps.em, periodId);
    if (!line || line.status === 'INVOICED') continue;
    try {
      const r = await deps.payments.invoiceFinalOverage({
        customerId: line.customerId,
        subscriptionId: line.subscriptionId,
        amountCents: line.amountCents,
        description: line.description,
        idempotencyKey: line.idempotencyKey,
        metadata: { periodId: line.periodId, overageSeconds: String(line.overageSeconds) },
        collectNow: opts.collectNow,
      });
      await markInvoiced(deps.em, line.id, r.itemId, r.invoiceId);
      billed += 1;
      if (r.paid === false) declined.push(r.invoiceId);
    } catch (err) {
      await markFailed(deps.em, line.id, (err as Error).message);
    }
  }
  return { billed, declined };
}

/**
 * The periods the close-periods sweep bills: the final periods just closed with overage, and
 * invoice lines that failed before — tried again after 2, 4, 8 … minutes (at most 6 h), at most
 * `attemptsMax` times. An account being erased bills its own, charged at once before its customer
 * goes (eraseUser), so the sweep leaves it alone.
 */
export async function finalPeriodsDue(em: Em, closedWithOverage: string[], attemptsMax: number): Promise<string[]> {
  const due = await em.getConnection().execute<{ id: string }[]>(
    `select up.id from usage_periods up
      where up.id in (select unnest(?::uuid[])
                      union
                      (select oi.period_id from overage_invoices oi
                        where oi.status <> 'INVOICED' and oi.created_at < now() - interval '1 minute' and oi.attempts < ?
                          and (oi.last_attempt_at is null
                               or oi.last_attempt_at < now() - make_interval(secs => least(60 * power(2, oi.attempts), 21600)))
                        order by oi.attempts, oi.created_at limit 100))
        and not exists (select 1 from erasure_requests er where er.user_id = up.user_id and er.status = 'PENDING')`,
    [uuidArray(closedWithOverage), attemptsMax],
  );
  return due.map((p) => p.id);
}
