// checkout.session.completed: the user's Stripe customer is linked, and the completed checkout is
// audited with it in one transaction (billing rules §10; actor STRIPE), once per checkout session
// however often Stripe delivers.
import type { Stripe } from './client';
import type { ProcessDeps } from './deps';
import { withTransaction } from '../db/transaction';
import { PLAN_CODES, type PlanCode } from '../db/entities/types';
import { STRIPE_ACTOR, writeAudit } from '../domain/audit/audit';

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : (v?.id ?? null));
// Stripe's ids and codes are safe to audit; anything else from the payload is left out
const STRIPE_ID = /^[A-Za-z0-9_]{1,128}$/;
const safeId = (v: string | null | undefined) => (v && STRIPE_ID.test(v) ? v : null);

export async function recordCheckoutCompleted(deps: ProcessDeps, session: Stripe.Checkout.Session, userId: string, customerId: string): Promise<void> {
  const planCode = session.metadata?.planCode;
  const topUpSeconds = Number(session.metadata?.topUpSeconds);
  await withTransaction(deps.em, async (tx) => {
    await tx.query('insert into stripe_customers (user_id, customer_id) values ($1, $2) on conflict do nothing', [userId, customerId]);
    await writeAudit(tx, {
      actor: STRIPE_ACTOR,
      action: 'CHECKOUT_COMPLETED',
      targetUserId: userId,
      subjectId: safeId(session.id),
      after: {
        kind: session.mode === 'payment' ? 'TOP_UP' : 'SUBSCRIPTION',
        sessionId: safeId(session.id),
        customerId: safeId(customerId),
        subscriptionId: safeId(idOf(session.subscription)),
        paymentStatus: safeId(session.payment_status),
        planCode: PLAN_CODES.includes(planCode as PlanCode) ? (planCode as string) : null,
        seconds: Number.isSafeInteger(topUpSeconds) ? topUpSeconds : null,
        amountCents: Number.isSafeInteger(session.amount_total) ? session.amount_total : null,
      },
      dedupeKey: `checkout-completed:${session.id}`,
    });
  });
}
