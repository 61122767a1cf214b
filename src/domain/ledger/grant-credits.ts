// Puts credits into an account as a grant with its own expiry (billing rules §3): admin bonuses
// and paid top-ups. One idempotency key, one grant, whatever the retries.
import { limits } from '../../config/limits';
import type { Actor, AuditDraft } from '../audit/audit';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpGrant, type GrantAnswer } from '../../db/ledger';
import { writeAudit } from '../audit/audit';
import { published } from './publish';
import { checkDate, checkId, checkKey, checkSeconds, checkText, fingerprint, firstFailure } from './validate';
import { toBalance, toGrant, toTransaction, type BalanceSnapshot, type GrantView, type LedgerTransaction } from './views';

export type ManualGrantSource = 'BONUS' | 'PURCHASE';

export interface GrantCreditsInput {
  userId: string;
  seconds: number;
  source: ManualGrantSource;
  /** Null: BONUS never expires; PURCHASE expires after the configured days. */
  expiresAt?: Date | null;
  reason?: string | null;
  reference?: string | null;
  idempotencyKey: string;
  metadata?: Record<string, unknown> | null;
}

export interface GrantOutcome {
  grant: GrantView;
  transaction: LedgerTransaction;
  balance: BalanceSnapshot;
}

export function toGrantOutcome(j: GrantAnswer): GrantOutcome {
  return { grant: toGrant(j.grant), transaction: toTransaction(j.transaction), balance: toBalance(j.balance) };
}

/** Given an actor (an admin by hand), the grant and its audit entry commit together. */
export async function grantCredits(deps: LedgerDeps & { purchaseExpiryDays: number; actor?: Actor }, input: GrantCreditsInput): Promise<Result<GrantOutcome>> {
  const bad = firstFailure(
    checkSeconds(input.seconds),
    checkKey(input.idempotencyKey),
    input.source === 'BONUS' || input.source === 'PURCHASE' ? null : fail(ErrorCode.INVALID_ARGUMENT, 'source'),
    checkDate(input.expiresAt, 'expiresAt', ErrorCode.INVALID_EXPIRY),
    checkText(input.reason, 'reason', limits.descriptionLengthMax),
    checkText(input.reference, 'reference', limits.referenceLengthMax),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  const now = deps.clock.now() ?? new Date();
  // An expiry in the past is refused by the ledger function after its replay check, so a retry
  // of an old grant still answers the original result.
  let expiresAt = input.expiresAt ?? null;
  if (!expiresAt && input.source === 'PURCHASE') {
    expiresAt = new Date(now.getTime() + deps.purchaseExpiryDays * 86_400_000);
  }
  const fp = fingerprint('grantCredits', {
    seconds: input.seconds,
    source: input.source,
    // a PURCHASE's default expiry moves with the clock; the caller's explicit one is part of the request
    expiresAt: input.expiresAt?.toISOString(),
    reason: input.reason,
    reference: input.reference,
  });
  const r = published(
    deps,
    await vpGrant(
      deps.em,
      {
        userId: input.userId,
        source: input.source,
        seconds: input.seconds,
        expiresAt,
        reference: input.reference ?? null,
        idempotencyKey: input.idempotencyKey,
        fingerprint: fp,
        description: input.reason ?? null,
        metadata: input.metadata ? JSON.stringify(input.metadata) : null,
        periodId: null,
        now: deps.clock.now(),
      },
      {
        field: 'expiresAt',
        inTransaction: deps.actor ? (tx, j) => writeAudit(tx, grantAudit(deps.actor!, input, toGrantOutcome(j))) : undefined,
      },
    ),
  );
  return r.ok ? { ok: true, value: toGrantOutcome(r.value) } : r;
}

function grantAudit(actor: Actor, input: GrantCreditsInput, o: GrantOutcome): AuditDraft {
  const t = o.transaction;
  return {
    actor,
    action: 'CREDITS_GRANTED',
    targetUserId: t.userId,
    subjectId: t.id,
    dedupeKey: input.idempotencyKey,
    before: { balanceSeconds: t.balanceAfterSeconds - t.amountSeconds },
    after: {
      balanceSeconds: t.balanceAfterSeconds,
      grantId: o.grant.id,
      source: o.grant.source,
      seconds: o.grant.grantedSeconds,
      expiresAt: o.grant.expiresAt?.toISOString() ?? null,
      sequence: t.sequence,
    },
  };
}
