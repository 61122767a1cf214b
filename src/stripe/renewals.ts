// Renewals (billing rules §5, "Renewals are usable from their first second"): a renewed period's
// included seconds are granted by whichever of its events comes first — the subscription's period
// move (customer.subscription.updated) or its draft renewal invoice (invoice.created); Stripe does
// not order them — marked awaiting payment in the same transaction, and confirmed by that invoice's
// invoice.paid. If Stripe gives up on the invoice (the subscription is cancelled or unpaid after its
// retries), what is left of the grant expires at once; what was used stays on the unpaid invoice,
// named for an operator.
import type { Stripe } from './client';
import type { ProcessDeps } from './deps';
import type { PlanCode } from '../db/entities/types';
import { withTransaction } from '../db/transaction';
import { SYSTEM_ACTOR, writeAudit } from '../domain/audit/audit';
import { vpExpireUnpaidRenewal } from '../db/ledger';
import { answered } from '../domain/ledger/publish';

export { grantPeriod, planKey, type PeriodGrantInput } from '../domain/ledger/grant-period';

const priceOf = (line: Stripe.InvoiceLineItem | undefined): string | undefined => (line?.pricing?.price_details?.price as string | undefined) ?? undefined;
const planOfPrice = (deps: Pick<ProcessDeps, 'prices'>, priceId: string | undefined): PlanCode | null =>
  (Object.entries(deps.prices).find(([, id]) => id === priceId)?.[0] as PlanCode | undefined) ?? null;

/** Stripe's statuses of a subscription it gave up on (after a renewal's failed retries). */
const GIVEN_UP = new Set(['canceled', 'unpaid']);

/**
 * The subscription is cancelled or unpaid (customer.subscription.updated / .deleted): every PLAN
 * grant of it still awaiting payment loses what is left of it (one EXPIRY entry each, keyed by the
 * grant), with an audit entry and a warning naming the user, subscription, unpaid invoice and the
 * seconds used unpaid. A grant whose invoice turns out paid at Stripe is confirmed instead.
 */
export async function expireUnpaidRenewals(deps: ProcessDeps, sub: Stripe.Subscription): Promise<void> {
  if (!GIVEN_UP.has(sub.status)) return;
  const grants = await deps.em.getConnection().execute<{ id: string; user_id: string; idempotency_key: string }[]>(
    `select id, user_id, idempotency_key from credit_grants
      where source = 'PLAN' and awaiting_payment and expired_at is null and idempotency_key like ?`,
    [`~plan:${sub.id.replace(/[\\%_]/g, (c) => `\\${c}`)}:%`],
  );
  if (grants.length === 0) return;
  const invoices = await deps.stripe.invoices.list({ subscription: sub.id, limit: 100 });
  for (const g of grants) {
    const periodStartMs = Number(g.idempotency_key.slice(g.idempotency_key.lastIndexOf(':') + 1));
    const invoice = invoices.data.find(
      (i) =>
        i.billing_reason === 'subscription_cycle' &&
        i.lines.data.some((l) => planOfPrice(deps, priceOf(l)) !== null && l.period.start * 1000 === periodStartMs),
    );
    if (invoice?.status === 'paid') {
      // paid after all (its invoice.paid is on its way): confirmed, nothing expires
      await deps.em.getConnection().execute(`update credit_grants set awaiting_payment = false where id = ? and awaiting_payment`, [g.id]);
      continue;
    }
    // still a draft (an immediate cancellation within the renewal's first hour): Stripe has not
    // tried to collect it, so it has not given up on it — the period's close settles the grant
    if (invoice?.status === 'draft') continue;
    const invoiceId = invoice?.id ?? null;
    const answer = await withTransaction(deps.em, async (tx, conn) => {
      const r = await vpExpireUnpaidRenewal.query(conn, { grantId: g.id, subscriptionId: sub.id, invoiceId, now: deps.clock.now() });
      if (r.confirmed) return { r, audited: false };
      const audited = await writeAudit(tx, {
        actor: SYSTEM_ACTOR,
        action: 'RENEWAL_UNPAID_EXPIRED',
        targetUserId: g.user_id,
        subjectId: sub.id,
        dedupeKey: `unpaid-renewal:${g.id}`,
        before: { balanceSeconds: Number(r.balance.balanceSeconds) + Number(r.expiredSeconds) },
        after: {
          balanceSeconds: Number(r.balance.balanceSeconds),
          grantId: g.id,
          invoice: invoiceId,
          subscriptionStatus: sub.status,
          expiredSeconds: Number(r.expiredSeconds),
          usedSecondsUnpaid: Number(r.usedSeconds),
        },
      });
      return { r, audited };
    });
    answered(deps, answer.r);
    if (answer.audited) {
      deps.logger.warn(
        {
          userId: g.user_id,
          subscription: sub.id,
          subscriptionStatus: sub.status,
          invoice: invoiceId,
          usedSecondsUnpaid: Number(answer.r.usedSeconds),
          expiredSeconds: Number(answer.r.expiredSeconds),
        },
        'Stripe gave up on an unpaid renewal: its remaining seconds expired; the seconds used stay on the unpaid invoice (collect or write off)',
      );
    }
  }
}
