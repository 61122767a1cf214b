// The credits of a paid top-up: a PURCHASE grant, once per checkout session (its key lives in the
// service's own key space, so no client key can collide with it), valid for the configured days.
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { toGrantOutcome, type GrantOutcome } from './grant-credits';
import { vpGrant } from '../../db/ledger';
import { published } from './publish';
import { checkId, checkSeconds, firstFailure } from './validate';

export async function grantPurchase(
  deps: LedgerDeps & { purchaseExpiryDays: number },
  input: { userId: string; seconds: number; checkoutSessionId: string; amountCents: number },
): Promise<Result<GrantOutcome>> {
  const bad = firstFailure(checkSeconds(input.seconds), checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND));
  if (bad) return bad;
  const now = deps.clock.now() ?? new Date();
  const expiresAt = new Date(now.getTime() + deps.purchaseExpiryDays * 86_400_000);
  const key = `~topup:${input.checkoutSessionId}`;
  const r = published(
    deps,
    await vpGrant(deps.em, {
      userId: input.userId,
      source: 'PURCHASE',
      seconds: input.seconds,
      expiresAt,
      reference: input.checkoutSessionId,
      idempotencyKey: key,
      fingerprint: `topUp:${input.seconds}`,
      description: `Top-up: ${input.seconds / 60} minutes`,
      metadata: JSON.stringify({ checkoutSessionId: input.checkoutSessionId, amountCents: input.amountCents }),
      periodId: null,
      now: deps.clock.now(),
    }),
  );
  return r.ok ? { ok: true, value: toGrantOutcome(r.value) } : r;
}
