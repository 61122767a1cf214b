// The user's cap on overage cost per period (billing rules §4): 0 disables overage. Lowering it
// stops new overage at once; what was already used is billed under the limit it was used with.
import { limits } from '../../config/limits';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export async function setOverageLimit(
  deps: { em: Em; actor?: Actor },
  input: { userId: string; overageLimitCents: number },
): Promise<Result<{ overageLimitCents: number }>> {
  const v = input.overageLimitCents;
  if (!Number.isSafeInteger(v) || v < 0 || v > limits.overageLimitCentsMax) return fail(ErrorCode.INVALID_ARGUMENT, 'overageLimitCents');
  return withTransaction(deps.em, async (tx) => {
    const [row] = await tx.query<{ overage_limit_cents: string; was: string | null }>(
      `update memberships m set overage_limit_cents = $1, updated_at = now()
         from (select id, overage_limit_cents from memberships where user_id = $2 for update) old
        where m.id = old.id returning m.overage_limit_cents, old.overage_limit_cents as was`,
      [v, input.userId],
    );
    if (!row) return fail(ErrorCode.MEMBERSHIP_NOT_FOUND, 'userId');
    // a change of money by hand (billing rules §10); null before = the plan's price was the limit
    if (deps.actor) {
      await writeAudit(tx, {
        actor: deps.actor,
        action: 'OVERAGE_LIMIT_SET',
        targetUserId: input.userId,
        before: { overageLimitCents: row.was === null ? null : Number(row.was) },
        after: { overageLimitCents: Number(row.overage_limit_cents) },
      });
    }
    return { ok: true as const, value: { overageLimitCents: Number(row.overage_limit_cents) } };
  });
}
