// The user's cap on overage cost per period (billing rules §4): 0 disables overage. Lowering it
// stops new overage at once; what was already used is billed under the limit it was used with.
import { limits } from '../../config/limits';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../ledger/ledger-call';

export async function setOverageLimit(
  deps: { em: Em },
  input: { userId: string; overageLimitCents: number },
): Promise<Result<{ overageLimitCents: number }>> {
  const v = input.overageLimitCents;
  if (!Number.isSafeInteger(v) || v < 0 || v > limits.overageLimitCentsMax) return fail(ErrorCode.INVALID_ARGUMENT, 'overageLimitCents');
  const rows = await deps.em.getConnection().execute<{ overage_limit_cents: string }[]>(
    'update memberships set overage_limit_cents = ?, updated_at = now() where user_id = ? returning overage_limit_cents',
    [v, input.userId],
  );
  if (!rows[0]) return fail(ErrorCode.MEMBERSHIP_NOT_FOUND, 'userId');
  return { ok: true, value: { overageLimitCents: Number(rows[0].overage_limit_cents) } };
}
