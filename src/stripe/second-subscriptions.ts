// One live subscription per user (billing rules §5). A checkout is refused with ALREADY_SUBSCRIBED
// while a membership is live, but two checkout sessions opened before either completed (two tabs)
// both complete at Stripe. The newer subscription — the one arriving while the membership already
// follows another live one — is cancelled at Stripe at once, its paid invoices refunded, nothing is
// granted or mirrored for it, and it is audited and logged for an operator. Every event of it
// (checkout completed, subscription created/updated/deleted, its invoices) lands here, in any order
// and as often as Stripe likes: the cancel and each refund happen once (our rows, Stripe's keys).
import type { Stripe } from './client';
import type { ProcessDeps } from './deps';
import { withTransaction } from '../db/transaction';
import { SYSTEM_ACTOR, writeAudit } from '../domain/audit/audit';

const LIVE = `('INCOMPLETE', 'TRIALING', 'ACTIVE', 'PAST_DUE')`;

const idOf = (v: string | { id: string } | null | undefined): string | null => (typeof v === 'string' ? v : (v?.id ?? null));

/** The user and subscription an event is about, for the events a subscription's lifecycle sends. */
async function subjectOf(deps: ProcessDeps, event: Stripe.Event): Promise<{ userId: string; subscriptionId: string } | null> {
  const o = event.data.object as unknown as Record<string, unknown>;
  let subscriptionId: string | null = null;
  if (event.type.startsWith('customer.subscription.')) subscriptionId = o.id as string;
  else if (event.type.startsWith('invoice.')) {
    const parent = o.parent as Stripe.Invoice['parent'];
    subscriptionId = idOf(parent?.subscription_details?.subscription as string | { id: string } | undefined);
  } else if (event.type === 'checkout.session.completed' && o.mode === 'subscription') subscriptionId = idOf(o.subscription as string | null);
  const customer = idOf(o.customer as string | { id: string } | null);
  if (!subscriptionId || !customer) return null;
  const [row] = await deps.em.getConnection().execute<{ user_id: string }[]>('select user_id from stripe_customers where customer_id = ?', [customer]);
  return row ? { userId: row.user_id, subscriptionId } : null;
}

/**
 * Answers true when the event is about a second subscription of its user (then handled here: the
 * caller does nothing more with it); false for everything else.
 */
export async function handledAsSecondSubscription(deps: ProcessDeps, event: Stripe.Event): Promise<boolean> {
  const subject = await subjectOf(deps, event);
  if (!subject) return false;
  const { userId, subscriptionId } = subject;
  const conn = deps.em.getConnection();
  // once recognised, always: the membership may move on later (the first subscription ends)
  const [known] = await conn.execute<{ kept_subscription_id: string }[]>('select kept_subscription_id from second_subscriptions where subscription_id = ?', [
    subscriptionId,
  ]);
  let kept = known?.kept_subscription_id ?? null;
  if (!kept) {
    const [other] = await conn.execute<{ stripe_subscription_id: string }[]>(
      `select stripe_subscription_id from memberships
        where user_id = ? and status in ${LIVE} and stripe_subscription_id is not null and stripe_subscription_id <> ?`,
      [userId, subscriptionId],
    );
    kept = other?.stripe_subscription_id ?? null;
  }
  if (!kept) return false;

  // one handling at a time per subscription (its events come in parallel): a transaction-scoped
  // lock, held across the keyed Stripe calls; our rows commit with the audit entry or not at all
  const audited = await withTransaction(deps.em, async (tx) => {
    await tx.query(`select pg_advisory_xact_lock(hashtextextended('second-subscription:' || $1, 0))`, [subscriptionId]);
    const [recorded] = await tx.query('select 1 from second_subscriptions where subscription_id = $1', [subscriptionId]);
    // cancelled at once (no proration, no final invoice: the whole payment is refunded below)
    if (!recorded) {
      const sub = await deps.stripe.subscriptions.retrieve(subscriptionId);
      if (sub.status !== 'canceled' && sub.status !== 'incomplete_expired') {
        await deps.stripe.subscriptions.cancel(subscriptionId, {}, { idempotencyKey: `cancel-second-${subscriptionId}` });
      }
    }
    // every paid invoice of it refunded, once each
    const paid = await deps.stripe.invoices.list({ subscription: subscriptionId, status: 'paid', limit: 100, expand: ['data.payments'] });
    for (const invoice of paid.data) {
      const [done] = await tx.query('select 1 from second_subscription_refunds where invoice_id = $1', [invoice.id]);
      if (done) continue;
      const refundIds: string[] = [];
      let cents = 0;
      for (const p of invoice.payments?.data ?? []) {
        if (p.status !== 'paid') continue;
        const paymentIntent = idOf(p.payment.payment_intent as string | { id: string } | undefined);
        const charge = idOf(p.payment.charge as string | { id: string } | undefined);
        if (!paymentIntent && !charge) continue;
        try {
          const refund = await deps.stripe.refunds.create(
            {
              ...(paymentIntent ? { payment_intent: paymentIntent } : { charge: charge! }),
              reason: 'duplicate',
              metadata: { secondSubscription: subscriptionId },
            },
            { idempotencyKey: `refund-second-${invoice.id}-${p.id}` },
          );
          refundIds.push(refund.id);
          cents += refund.amount;
        } catch (err) {
          // refunded already (by an operator, or a run whose row was lost): nothing more to give back
          if ((err as { code?: string }).code !== 'charge_already_refunded') throw err;
        }
      }
      await tx.query(
        `insert into second_subscription_refunds (invoice_id, subscription_id, user_id, refund_ids, refunded_cents)
         values ($1, $2, $3, $4::text[], $5) on conflict do nothing`,
        [invoice.id, subscriptionId, userId, refundIds, cents],
      );
    }
    if (recorded) return false;
    await tx.query('insert into second_subscriptions (subscription_id, user_id, kept_subscription_id) values ($1, $2, $3) on conflict do nothing', [
      subscriptionId,
      userId,
      kept,
    ]);
    const [refunded] = await tx.query<{ cents: string; ids: string[] | null }>(
      `select (select coalesce(sum(refunded_cents), 0) from second_subscription_refunds where subscription_id = $1) as cents,
              (select array_agg(r order by r) from second_subscription_refunds, unnest(refund_ids) r where subscription_id = $1) as ids`,
      [subscriptionId],
    );
    return writeAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: 'DUPLICATE_SUBSCRIPTION_CANCELED',
      targetUserId: userId,
      subjectId: subscriptionId,
      dedupeKey: `second-subscription:${subscriptionId}`,
      after: { keptSubscription: kept, refundedCents: Number(refunded?.cents ?? 0), refunds: refunded?.ids ?? [], event: event.type },
    });
  });
  if (audited) {
    deps.logger.warn(
      { userId, subscription: subscriptionId, keptSubscription: kept, event: event.type },
      'a second subscription completed at Stripe: cancelled at once and its payment refunded; the membership keeps the first',
    );
  }
  return true;
}
