// Erasure (Art. 17, billing rules §10): cancel the Stripe subscription, delete the Stripe customer,
// replace personal data by a pseudonym, revoke API keys — and keep the ledger, grants, usage and
// invoices, linked only to the user's random id (the German retention duty for booking records,
// 10 years). Audited.
//
// Idempotent and resumable: each remote step records when it was done and is safe to repeat (an
// ended subscription or a deleted customer counts as done); the local part is one transaction
// that runs once (the request row is locked and marked COMPLETED in it). A crash anywhere leaves a
// PENDING request that the next run finishes; a run after completion changes nothing.
import { limits } from '../../config/limits';
import { withTransaction, type Tx } from '../../db/transaction';
import { databaseClock, type Clock } from '../../shared/clock';
import { ErrorCode, fail, ok, type Result } from '../../shared/errors';
import { failpoint } from '../../shared/failpoints';
import { SYSTEM_ACTOR, writeAudit, type Actor } from '../audit/audit';
import { billFinalPeriods, type FinalBilling } from '../billing/bill-final-periods';
import { endCanceledPeriods } from '../ledger/close-period';
import type { Em } from '../../db/em';
import { checkId } from '../ledger/validate';
import type { Payments } from '../ports';
import { bookkeepingSkeleton, redactPersonalData } from './redact';

export interface EraseDeps {
  em: Em;
  payments: Payments | null;
  /** Who carries it out: the system (the job) unless said otherwise. */
  actor?: Actor;
  /** Business time (when the open periods end): the database's unless a simulation says otherwise. */
  clock?: Clock;
}

export interface ErasureOutcome {
  userId: string;
  /** True when an earlier run had finished it: nothing was done now. */
  alreadyCompleted: boolean;
  subscriptionsCanceled: number;
  customerDeleted: boolean;
  apiKeysRevoked: number;
  webhookEventsRedacted: number;
  /** Final overage invoices made (and charged at once) by this run before the customer's deletion. */
  overageInvoices: number;
  /** Of those, the Stripe invoices whose charge was declined: open, for an operator to collect. */
  overageInvoicesDeclined: string[];
  /**
   * Every invoice of the customer still unpaid (draft or open) when it was deleted — a failed
   * renewal, a renewal draft carrying overage, a declined final invoice: Stripe stops collecting a
   * cancelled subscription's invoices, so these are for an operator to collect or void.
   */
  unpaidInvoices: string[];
  /** Overage invoice lines (overage_invoices ids) given up after their tries: never invoiced, for an operator. */
  overageNotInvoiced: string[];
}

/** The pseudonymous address that replaces the email: unique (the column is), and no one's. */
export const pseudonymEmail = (userId: string) => `erased-${userId}@erased.invalid`;

export async function eraseUser(deps: EraseDeps, input: { userId: string }): Promise<Result<ErasureOutcome>> {
  const bad = checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  const conn = deps.em.getConnection();
  const userId = input.userId.toLowerCase();
  const [request] = await conn.execute<{ status: string; subscriptions_canceled_at: unknown; customer_deleted_at: unknown; collection: Partial<Collection> }[]>(
    'update erasure_requests set attempts = attempts + 1 where user_id = ? returning status, subscriptions_canceled_at, customer_deleted_at, collection',
    [userId],
  );
  if (!request) return fail(ErrorCode.ERASURE_NOT_REQUESTED, 'userId');
  const done: ErasureOutcome = {
    userId,
    alreadyCompleted: true,
    subscriptionsCanceled: 0,
    customerDeleted: false,
    apiKeysRevoked: 0,
    webhookEventsRedacted: 0,
    overageInvoices: 0,
    overageInvoicesDeclined: [],
    unpaidInvoices: [],
    overageNotInvoiced: [],
  };
  if (request.status === 'COMPLETED') return ok(done);

  const [customer] = await conn.execute<{ customer_id: string }[]>('select customer_id from stripe_customers where user_id = ?', [userId]);
  const subscriptions = await conn.execute<{ stripe_subscription_id: string }[]>(
    'select stripe_subscription_id from memberships where user_id = ? and stripe_subscription_id is not null',
    [userId],
  );
  // what earlier runs left for an operator, named again by this one
  const outcome: ErasureOutcome = { ...done, alreadyCompleted: false, ...collectionOf(request.collection) };
  const cancelDue = !request.subscriptions_canceled_at && subscriptions.length > 0;
  const deleteDue = !request.customer_deleted_at && Boolean(customer);
  const payments = deps.payments;
  if ((cancelDue || deleteDue) && !payments) return failed(deps.em, userId, ErrorCode.STRIPE_NOT_CONFIGURED);
  try {
    if (cancelDue) {
      for (const s of subscriptions) {
        const r = await payments!.cancelSubscriptionNow(s.stripe_subscription_id);
        if (!r.alreadyEnded) outcome.subscriptionsCanceled += 1;
      }
    }
    if (subscriptions.length > 0) {
      // mirrored at once, and again on every run (nothing may have reopened it meanwhile); the
      // subscription's webhook says the same later, and older events that arrive late cannot bring
      // it back (they are older than this change)
      await conn.execute(
        `update memberships set status = 'CANCELED', cancel_at_period_end = false, updated_at = now(),
                stripe_event_at = greatest(stripe_event_at, now())
          where user_id = ? and status <> 'CANCELED'`,
        [userId],
      );
    }
    if (cancelDue) await conn.execute('update erasure_requests set subscriptions_canceled_at = now() where user_id = ?', [userId]);
    failpoint('erasure.after-subscriptions');
    if (deleteDue) {
      // the overage owed is billed while the customer still exists (after the deletion no invoice
      // can be made); until it is, the customer stays and the job tries again
      const billing = await billOverageOwed(deps.em, payments!, userId, deps.clock ?? databaseClock);
      outcome.overageInvoices = billing.billed;
      failpoint('erasure.after-final-overage');
      const unpaid = (await payments!.unpaidInvoices(customer!.customer_id)).map((i) => i.id);
      const notInvoiced = (
        await conn.execute<{ id: string }[]>(`select id from overage_invoices where user_id = ? and status <> 'INVOICED' order by created_at`, [userId])
      ).map((r) => r.id);
      // kept before the customer goes: Stripe cannot list them afterwards
      Object.assign(outcome, merged(outcome, { unpaidInvoices: unpaid, overageInvoicesDeclined: billing.declined, overageNotInvoiced: notInvoiced }));
      await conn.execute('update erasure_requests set collection = ?::jsonb where user_id = ?', [JSON.stringify(collectionOf(outcome)), userId]);
      const r = await payments!.deleteCustomer(customer!.customer_id);
      outcome.customerDeleted = !r.alreadyDeleted;
      failpoint('erasure.after-customer-deleted');
      await conn.execute('update erasure_requests set customer_deleted_at = now() where user_id = ?', [userId]);
    }
  } catch (err) {
    // the provider failed: recorded for operators, thrown for the job to retry with backoff
    await conn.execute('update erasure_requests set last_error = ? where user_id = ?', [String((err as Error).message).slice(0, 1000), userId]);
    throw err;
  }
  failpoint('erasure.before-pseudonymize');
  return withTransaction(deps.em, (tx) => pseudonymize(tx, deps.actor ?? SYSTEM_ACTOR, userId, customer?.customer_id ?? null, outcome));
}

/** What an erasure leaves for an operator to collect, kept on its request (erasure_requests.collection). */
interface Collection {
  unpaidInvoices: string[];
  overageInvoicesDeclined: string[];
  overageNotInvoiced: string[];
}

const collectionOf = (c: Partial<Collection> | null | undefined): Collection => ({
  unpaidInvoices: c?.unpaidInvoices ?? [],
  overageInvoicesDeclined: c?.overageInvoicesDeclined ?? [],
  overageNotInvoiced: c?.overageNotInvoiced ?? [],
});

/** Each list with what this run found added (in order, once). */
const merged = (a: Collection, b: Collection): Collection => ({
  unpaidInvoices: [...new Set([...a.unpaidInvoices, ...b.unpaidInvoices])],
  overageInvoicesDeclined: [...new Set([...a.overageInvoicesDeclined, ...b.overageInvoicesDeclined])],
  overageNotInvoiced: [...new Set([...a.overageNotInvoiced, ...b.overageNotInvoiced])],
});

/** Periods of the user whose overage is closed in cents but not invoiced, and not given up on yet. */
const UNBILLED = `select up.id from usage_periods up
    join memberships ms on ms.id = up.membership_id and ms.stripe_subscription_id is not null
    left join overage_invoices oi on oi.period_id = up.id
   where up.user_id = ? and up.status = 'CLOSED' and up.overage_cents > 0
     and (oi.id is null or (oi.status <> 'INVOICED' and oi.attempts < ?))
   order by up.period_start`;

/**
 * Bills every period of the user that owes overage, before the Stripe customer goes: the periods
 * that are open now (their membership was just cancelled) are closed at once, and its overage, with any
 * earlier period's that was not invoiced, goes on a final invoice (keyed: once, however often this
 * runs). Throws while a line is still owed, so the customer is kept and the job retries; a line that
 * failed `overageInvoiceAttemptsMax` times is left FAILED for an operator, as everywhere else.
 */
async function billOverageOwed(em: Em, payments: Payments, userId: string, clock: Clock): Promise<FinalBilling> {
  const conn = em.getConnection();
  // every open period of the cancelled membership ends now, as at every immediate cancellation
  // (billing rules §5: the PLAN seconds left expire), chosen under the user's lock (a usage still in
  // flight commits its overage first)
  const closed = await endCanceledPeriods({ em, clock }, { userId });
  if (!closed.ok) throw new Error(`closing the open periods before the customer's deletion failed: ${closed.error.code}`);
  const owed = await conn.execute<{ id: string }[]>(UNBILLED, [userId, limits.overageInvoiceAttemptsMax]);
  if (!owed.length) return { billed: 0, declined: [] };
  // charged at once: after the deletion Stripe has no customer and payment method to charge
  const billing = await billFinalPeriods(
    { em, payments },
    owed.map((p) => p.id),
    { collectNow: true },
  );
  const left = await conn.execute<{ id: string }[]>(UNBILLED, [userId, limits.overageInvoiceAttemptsMax]);
  if (left.length)
    throw new Error(`overage of ${left.length} period(s) not invoiced yet (${left.map((p) => p.id).join(', ')}): the Stripe customer is kept until it is`);
  return billing;
}

async function failed(em: Em, userId: string, code: ErrorCode): Promise<Result<ErasureOutcome>> {
  await em.getConnection().execute('update erasure_requests set last_error = ? where user_id = ?', [code, userId]);
  return fail(code, 'userId');
}

/** The local part, all or nothing: runs once, under the request's row lock. */
async function pseudonymize(tx: Tx, actor: Actor, userId: string, customerId: string | null, outcome: ErasureOutcome): Promise<Result<ErasureOutcome>> {
  const [request] = await tx.query<{ status: string }>('select status from erasure_requests where user_id = $1 for update', [userId]);
  if (request!.status === 'COMPLETED') return ok({ ...outcome, alreadyCompleted: true });
  const [user] = await tx.query<{ email: string }>('select email from users where id = $1 for no key update', [userId]);
  const email = user!.email;
  await tx.query(`update users set email = $2, time_zone = 'Europe/Berlin', erased_at = coalesce(erased_at, now()), updated_at = now() where id = $1`, [
    userId,
    pseudonymEmail(userId),
  ]);
  // revoked, and their names (the owner's free text) gone; the hash of a revoked random secret is nothing personal
  const keys = await tx.query(
    `update api_keys k set revoked_at = coalesce(k.revoked_at, now()), name = 'erased'
       from (select id, revoked_at from api_keys where user_id = $1 for update) old
      where k.id = old.id returning old.revoked_at is null as was_active`,
    [userId],
  );
  outcome.apiKeysRevoked = keys.filter((k) => k.was_active).length;
  outcome.webhookEventsRedacted = await redactWebhookEvents(tx, userId, customerId, email);
  await tx.query('delete from data_exports where user_id = $1', [userId]);
  await tx.query(`update erasure_requests set status = 'COMPLETED', completed_at = now(), last_error = null where user_id = $1`, [userId]);
  await writeAudit(tx, {
    actor,
    action: 'USER_ERASED',
    targetUserId: userId,
    before: { status: 'PENDING' },
    after: {
      status: 'COMPLETED',
      subscriptionsCanceled: outcome.subscriptionsCanceled,
      customerDeleted: outcome.customerDeleted,
      apiKeysRevoked: outcome.apiKeysRevoked,
      webhookEventsRedacted: outcome.webhookEventsRedacted,
      overageInvoices: outcome.overageInvoices,
      overageInvoicesDeclined: outcome.overageInvoicesDeclined,
      unpaidInvoices: outcome.unpaidInvoices,
      overageNotInvoiced: outcome.overageNotInvoiced,
    },
  });
  return ok(outcome);
}

/**
 * Stripe payloads about the user. Processed ones are cut down to their bookkeeping skeleton (ids,
 * states, amounts, periods: no free text, whatever Stripe put there); ones still to be processed
 * keep what processing reads, without the personal fields. Any string holding the email goes in
 * both. A scan of the inbox: erasures are rare, and the inbox has no per-user index.
 */
async function redactWebhookEvents(tx: Tx, userId: string, customerId: string | null, email: string): Promise<number> {
  const rows = await tx.query<{ id: string; status: string; payload: unknown }>(
    `select id, status, payload from webhook_events
      where strpos(lower(payload::text), lower($1)) > 0 or strpos(payload::text, $2) > 0
         or ($3::text is not null and strpos(payload::text, $3) > 0)
      for update`,
    [email, userId, customerId],
  );
  let changed = 0;
  for (const r of rows) {
    const done = r.status === 'PROCESSED' || r.status === 'IGNORED';
    const clean = done ? bookkeepingSkeleton(r.payload, email) : redactPersonalData(r.payload, email);
    if (JSON.stringify(clean) === JSON.stringify(r.payload)) continue;
    await tx.query('update webhook_events set payload = $2::jsonb where id = $1', [r.id, JSON.stringify(clean)]);
    changed += 1;
  }
  return changed;
}
