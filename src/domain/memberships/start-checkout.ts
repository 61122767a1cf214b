// Starts the purchase of a membership: one provider customer per user, a hosted subscription
// checkout for the plan, the user id as client reference. Completing it grants nothing by itself:
// credits come when the period's invoice is paid.
import { PLAN_CODES, type PlanCode } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import type { Payments } from '../ports';
import { checkCheckoutKey, earlierCheckout, rememberCheckout, stripeCheckoutKey } from './checkout-keys';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export interface StartCheckoutInput {
  userId: string;
  planCode: PlanCode;
  successUrl: string;
  cancelUrl: string;
  /** The client's key: a retry with it answers the same session (billing rules §7). */
  idempotencyKey?: string | null;
}

export function httpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && v.length <= 2000;
  } catch {
    return false;
  }
}

export async function startCheckout(
  deps: { em: Em; payments: Payments | null; actor?: Actor },
  input: StartCheckoutInput,
): Promise<Result<{ sessionId: string; url: string }>> {
  if (!deps.payments) return fail(ErrorCode.STRIPE_NOT_CONFIGURED);
  if (!PLAN_CODES.includes(input.planCode)) return fail(ErrorCode.PLAN_NOT_FOUND, 'plan');
  if (!httpUrl(input.successUrl)) return fail(ErrorCode.INVALID_ARGUMENT, 'successUrl');
  if (!httpUrl(input.cancelUrl)) return fail(ErrorCode.INVALID_ARGUMENT, 'cancelUrl');
  const badKey = checkCheckoutKey(input.idempotencyKey);
  if (badKey) return badKey;
  const [user] = await deps.em.getConnection().execute<{ id: string; email: string }[]>('select id, email from users where id = ?', [input.userId]);
  if (!user) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  // a retry answers what the first request answered, even once its checkout has completed
  const fingerprint = `subscription|${input.planCode}|${input.successUrl}|${input.cancelUrl}`;
  const earlier = await earlierCheckout(deps.em, input.userId, input.idempotencyKey, fingerprint);
  if (earlier) return earlier;
  // one live subscription per user (billing rules §5): a second checkout would start a second
  // subscription that Stripe charges beside the first; plan changes go through changePlan
  const [live] = await deps.em
    .getConnection()
    .execute<{ status: string }[]>(`select status from memberships where user_id = ? and status in ('INCOMPLETE', 'TRIALING', 'ACTIVE', 'PAST_DUE') limit 1`, [
      input.userId,
    ]);
  if (live) return fail(ErrorCode.ALREADY_SUBSCRIBED, 'plan');
  const customerId = await deps.payments.ensureCustomer(user);
  const key = input.idempotencyKey;
  const session = await deps.payments.createSubscriptionCheckout({
    userId: input.userId,
    planCode: input.planCode,
    successUrl: input.successUrl,
    cancelUrl: input.cancelUrl,
    customerId,
    idempotencyKey: key ? stripeCheckoutKey(input.userId, key) : undefined,
  });
  const kept = await rememberCheckout(deps.em, input.userId, key, fingerprint, { sessionId: session.id, url: session.url });
  if (!kept.ok) return kept;
  // a change of membership begins (billing rules §10): one entry per checkout session
  await withTransaction(deps.em, (tx) =>
    writeAudit(tx, {
      actor: deps.actor ?? { id: input.userId, role: 'USER' },
      action: 'CHECKOUT_STARTED',
      targetUserId: input.userId,
      subjectId: kept.value.sessionId,
      after: { kind: 'SUBSCRIPTION', sessionId: kept.value.sessionId, customerId, planCode: input.planCode },
      dedupeKey: `checkout:${kept.value.sessionId}`,
    }),
  );
  return { ok: true, value: { sessionId: kept.value.sessionId, url: kept.value.url } };
}
