// A top-up: N minutes bought with a one-time Stripe Checkout payment at the plan's overage rate.
// The PURCHASE grant follows the paid checkout (grant-purchase.ts), once per checkout session.
import { limits } from '../../config/limits';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import type { Payments } from '../ports';
import { checkCheckoutKey, earlierCheckout, rememberCheckout, stripeCheckoutKey } from './checkout-keys';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export const TOP_UP_MINUTES_MAX = 10_000;

export async function startTopUp(
  deps: { em: Em; payments: Payments | null; actor?: Actor },
  input: { userId: string; minutes: number; successUrl: string; cancelUrl: string; idempotencyKey?: string | null },
): Promise<Result<{ sessionId: string; url: string; amountCents: number }>> {
  if (!deps.payments) return fail(ErrorCode.STRIPE_NOT_CONFIGURED);
  if (!Number.isSafeInteger(input.minutes) || input.minutes < 1 || input.minutes > TOP_UP_MINUTES_MAX) return fail(ErrorCode.INVALID_ARGUMENT, 'minutes');
  for (const field of ['successUrl', 'cancelUrl'] as const) {
    try {
      const u = new URL(input[field]);
      if (!['https:', 'http:'].includes(u.protocol) || input[field].length > 2000) return fail(ErrorCode.INVALID_ARGUMENT, field);
    } catch {
      return fail(ErrorCode.INVALID_ARGUMENT, field);
    }
  }
  const badKey = checkCheckoutKey(input.idempotencyKey);
  if (badKey) return badKey;
  const [row] = await deps.em.getConnection().execute<{ email: string; rate: string | null }[]>(
    `select u.email, pl.overage_cents_per_minute as rate
       from users u left join memberships ms on ms.user_id = u.id left join plans pl on pl.code = ms.plan_code
      where u.id = ?`,
    [input.userId],
  );
  if (!row) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  // a retry answers the session (and price) the first request answered
  const fingerprint = `topUp|${input.minutes}|${input.successUrl}|${input.cancelUrl}`;
  const earlier = await earlierCheckout(deps.em, input.userId, input.idempotencyKey, fingerprint);
  if (earlier)
    return earlier.ok
      ? { ok: true, value: { sessionId: earlier.value.sessionId, url: earlier.value.url, amountCents: earlier.value.amountCents ?? 0 } }
      : earlier;
  if (!row.rate) return fail(ErrorCode.MEMBERSHIP_NOT_FOUND, 'userId');
  const rate = Number(row.rate);
  const customerId = await deps.payments.ensureCustomer({ id: input.userId, email: row.email });
  const seconds = input.minutes * 60;
  if (seconds > limits.secondsPerOperationMax) return fail(ErrorCode.INVALID_ARGUMENT, 'minutes');
  const key = input.idempotencyKey;
  const session = await deps.payments.createTopUpCheckout({
    userId: input.userId,
    customerId,
    seconds,
    amountCents: input.minutes * rate,
    successUrl: input.successUrl,
    cancelUrl: input.cancelUrl,
    idempotencyKey: key ? stripeCheckoutKey(input.userId, key) : undefined,
  });
  const kept = await rememberCheckout(deps.em, input.userId, key, fingerprint, { sessionId: session.id, url: session.url, amountCents: input.minutes * rate });
  if (!kept.ok) return kept;
  await withTransaction(deps.em, (tx) =>
    writeAudit(tx, {
      actor: deps.actor ?? { id: input.userId, role: 'USER' },
      action: 'CHECKOUT_STARTED',
      targetUserId: input.userId,
      subjectId: kept.value.sessionId,
      after: { kind: 'TOP_UP', sessionId: kept.value.sessionId, customerId, minutes: input.minutes, seconds, amountCents: input.minutes * rate },
      dedupeKey: `checkout:${kept.value.sessionId}`,
    }),
  );
  return { ok: true, value: { sessionId: kept.value.sessionId, url: kept.value.url, amountCents: kept.value.amountCents ?? input.minutes * rate } };
}
