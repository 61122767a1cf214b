// Gives back seconds of a usage, following its lineage: each refunded second returns as a REFUND
// grant that expires when the grant that paid for it would have (billing rules §3). Never more
// than was paid with credits and not yet refunded.
import { limits } from '../../config/limits';
import type { Actor, AuditDraft } from '../audit/audit';
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpRefundUsage, type RefundAnswer } from '../../db/ledger';
import { writeAudit } from '../audit/audit';
import { published } from './publish';
import { checkId, checkKey, checkSeconds, checkText, fingerprint, firstFailure } from './validate';
import { toBalance, toTransaction, type BalanceSnapshot, type LedgerTransaction } from './views';

export interface RefundUsageInput {
  transactionId: string;
  seconds: number;
  reason?: string | null;
  idempotencyKey: string;
}

export interface RefundOutcome {
  transaction: LedgerTransaction;
  grants: { seconds: number; expiresAt: Date | null }[];
  balance: BalanceSnapshot;
}

/** Given an actor (an admin by hand), the refund and its audit entry commit together. */
export async function refundUsage(deps: LedgerDeps & { actor?: Actor }, input: RefundUsageInput): Promise<Result<RefundOutcome>> {
  const bad = firstFailure(
    checkSeconds(input.seconds),
    checkKey(input.idempotencyKey),
    checkText(input.reason, 'reason', limits.descriptionLengthMax),
    checkId(input.transactionId, 'transactionId', ErrorCode.TRANSACTION_NOT_FOUND),
  );
  if (bad) return bad;
  const fp = fingerprint('refundUsage', { transactionId: input.transactionId, seconds: input.seconds, reason: input.reason });
  const r = published(
    deps,
    await vpRefundUsage(
      deps.em,
      {
        transactionId: input.transactionId,
        seconds: input.seconds,
        reason: input.reason ?? null,
        idempotencyKey: input.idempotencyKey,
        fingerprint: fp,
        fallbackExpiryDays: limits.refundFallbackExpiryDays,
        now: deps.clock.now(),
      },
      {
        field: 'seconds',
        inTransaction: deps.actor ? (tx, j) => writeAudit(tx, refundAudit(deps.actor!, input, toOutcome(j))) : undefined,
      },
    ),
  );
  return r.ok ? { ok: true, value: toOutcome(r.value) } : r;
}

function toOutcome(j: RefundAnswer): RefundOutcome {
  return {
    transaction: toTransaction(j.transaction),
    grants: j.grants.map((g) => ({
      seconds: g.seconds,
      expiresAt: g.expiresAt ? new Date(g.expiresAt) : null,
    })),
    balance: toBalance(j.balance),
  };
}

function refundAudit(actor: Actor, input: RefundUsageInput, o: RefundOutcome): AuditDraft {
  const t = o.transaction;
  return {
    actor,
    action: 'USAGE_REFUNDED',
    targetUserId: t.userId,
    subjectId: input.transactionId,
    dedupeKey: input.idempotencyKey,
    before: { balanceSeconds: t.balanceAfterSeconds - t.amountSeconds },
    after: {
      balanceSeconds: t.balanceAfterSeconds,
      refundedSeconds: t.amountSeconds,
      refundTransactionId: t.id,
      sequence: t.sequence,
      grants: o.grants.map((g) => ({ seconds: g.seconds, expiresAt: g.expiresAt?.toISOString() ?? null })),
    },
  };
}
