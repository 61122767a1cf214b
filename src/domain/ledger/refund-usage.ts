// Gives back seconds of a usage, following its lineage: each refunded second returns as a REFUND
// grant that expires when the grant that paid for it would have (billing rules §3). Never more
// than was paid with credits and not yet refunded.
import { limits } from '../../config/limits';
import type { Actor, AuditDraft } from '../audit/audit';
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { callLedger } from './ledger-call';
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
  const r = await callLedger<Record<string, any>>(deps, 'vp_refund_usage', [ // eslint-disable-line @typescript-eslint/no-explicit-any
    input.transactionId, input.seconds, input.reason ?? null, input.idempotencyKey, fp, limits.refundFallbackExpiryDays,
    deps.clock.now(),
  ], 'seconds', deps.actor ? (j) => refundAudit(deps.actor!, input, toOutcome(j)) : undefined);
  return r.ok ? { ok: true, value: toOutcome(r.value) } : r;
}

function toOutcome(j: Record<string, any>): RefundOutcome { // eslint-disable-line @typescript-eslint/no-explicit-any
  return {
    transaction: toTransaction(j.transaction),
    grants: (j.grants as { seconds: number; expiresAt: string | null }[]).map((g) => ({
      seconds: g.seconds,
      expiresAt: g.expiresAt ? new Date(g.expiresAt) : null,
    })),
    balance: toBalance(j.balance),
  };
}

function refundAudit(actor: Actor, input: RefundUsageInput, o: RefundOutcome): AuditDraft {
  const t = o.transaction;
  return {
    actor, action: 'USAGE_REFUNDED', targetUserId: t.userId, subjectId: input.transactionId, dedupeKey: input.idempotencyKey,
    before: { balanceSeconds: t.balanceAfterSeconds - t.amountSeconds },
    after: {
      balanceSeconds: t.balanceAfterSeconds, refundedSeconds: t.amountSeconds, refundTransactionId: t.id, sequence: t.sequence,
      grants: o.grants.map((g) => ({ seconds: g.seconds, expiresAt: g.expiresAt?.toISOString() ?? null })),
    },
  };
}
