// A manual correction by an admin. Positive: a non-expiring ADJUSTMENT grant. Negative: a debit in
// consumption order that can never take the balance below zero.
import { limits } from '../../config/limits';
import type { Actor } from '../audit/audit';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpAdjust } from '../../db/ledger';
import { writeAudit } from '../audit/audit';
import { published } from './publish';
import { checkId, checkKey, checkText, fingerprint, firstFailure } from './validate';
import { toBalance, toTransaction, type BalanceSnapshot, type LedgerTransaction } from './views';

export interface AdjustCreditsInput {
  userId: string;
  /** Signed: positive adds, negative removes. Never 0. */
  seconds: number;
  reason: string;
  idempotencyKey: string;
}

export interface AdjustOutcome {
  transaction: LedgerTransaction;
  balance: BalanceSnapshot;
}

/** Given an actor (an admin by hand), the adjustment and its audit entry commit together. */
export async function adjustCredits(deps: LedgerDeps & { actor?: Actor }, input: AdjustCreditsInput): Promise<Result<AdjustOutcome>> {
  const s = input.seconds;
  const bad = firstFailure(
    typeof s === 'number' && Number.isSafeInteger(s) && s !== 0 && Math.abs(s) <= limits.secondsPerOperationMax
      ? null
      : fail(ErrorCode.INVALID_SECONDS, 'seconds'),
    checkKey(input.idempotencyKey),
    typeof input.reason === 'string' && input.reason.trim().length > 0
      ? checkText(input.reason, 'reason', limits.descriptionLengthMax)
      : fail(ErrorCode.INVALID_ARGUMENT, 'reason'),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  const fp = fingerprint('adjustCredits', { seconds: s, reason: input.reason });
  const r = published(
    deps,
    await vpAdjust(
      deps.em,
      {
        userId: input.userId,
        seconds: s,
        reason: input.reason,
        idempotencyKey: input.idempotencyKey,
        fingerprint: fp,
        now: deps.clock.now(),
      },
      {
        field: 'seconds',
        inTransaction: deps.actor
          ? (tx, j) => {
              const t = toTransaction(j.transaction);
              return writeAudit(tx, {
                actor: deps.actor!,
                action: 'CREDITS_ADJUSTED',
                targetUserId: t.userId,
                subjectId: t.id,
                dedupeKey: input.idempotencyKey,
                before: { balanceSeconds: t.balanceAfterSeconds - t.amountSeconds },
                after: { balanceSeconds: t.balanceAfterSeconds, seconds: t.amountSeconds, sequence: t.sequence },
              });
            }
          : undefined,
      },
    ),
  );
  if (!r.ok) return r;
  return { ok: true, value: { transaction: toTransaction(r.value.transaction), balance: toBalance(r.value.balance) } };
}
