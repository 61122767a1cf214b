// Starts the purchase of a membership: one provider customer per user, a hosted subscription
// checkout for the plan, the user id as client reference. Completing it grants nothing by itself:
// credits come when the period's invoice is paid.
import { PLAN_CODES, type PlanCode } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../ledger/ledger-call';
import type { Payments } from '../ports';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export interface StartCheckoutInput {
  userId: string;
  planCode: PlanCode;
  successUrl: string;
  cancelUrl: string;
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
  const [user] = await deps.em.getConnection().execute<{ id: string; email: string }[]>('select id, email from users where id = ?', [input.userId]);
  if (!user) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  // one live subscription per user (billing rules §5): a second checkout would start a second
  // subscription that Stripe charges beside the first; plan changes go through changePlan
  const [live] = await deps.em.getConnection().execute<{ status: string }[]>(
    `select status from memberships where user_id = ? and status in ('INCOMPLETE', 'TRIALING', 'ACTIVE', 'PAST_DUE') limit 1`, [input.userId]);
  if (live) return fail(ErrorCode.ALREADY_SUBSCRIBED, 'plan');
  const customerId = await deps.payments.ensureCustomer(user);
  const session = await deps.payments.createSubscriptionCheckout({ ...input, customerId });
  // a change of membership begins (billing rules §10): one entry per checkout session
  await withTransaction(deps.em, (tx) => writeAudit(tx, {
    actor: deps.actor ?? { id: input.userId, role: 'USER' }, action: 'CHECKOUT_STARTED', targetUserId: input.userId, subjectId: session.id,
    after: { kind: 'SUBSCRIPTION', sessionId: session.id, customerId, planCode: input.planCode }, dedupeKey: `checkout:${session.id}`,
  }));
  return { ok: true, value: { sessionId: session.id, url: session.url } };
}
