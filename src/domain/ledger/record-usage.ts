// Records a finished call in one atomic check-and-deduct (the seed's consumeCredits): credits are
// consumed in consumption order, the rest becomes overage within the cap; when balance plus the
// overage allowance cannot cover it, it fails with a typed code and writes nothing. Concurrent
// calls share a statement and a commit (usage-batcher.ts); each keeps its own outcome.
import { limits } from '../../config/limits';
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { businessFailure } from '../../db/ledger';
import { answered } from './publish';
import { usageBatcherOf } from './usage-batcher';
import { checkDate, checkId, checkKey, checkSeconds, checkText, fingerprint, firstFailure } from './validate';
import { toUsageOutcome, type UsageOutcome } from './views';

export interface RecordUsageInput {
  userId: string;
  seconds: number;
  idempotencyKey: string;
  callId?: string | null;
  occurredAt?: Date | null;
  description?: string | null;
}

export async function recordUsage(deps: LedgerDeps, input: RecordUsageInput): Promise<Result<UsageOutcome>> {
  const bad = firstFailure(
    checkSeconds(input.seconds),
    checkKey(input.idempotencyKey),
    checkText(input.callId, 'callId', limits.callIdLengthMax),
    checkText(input.description, 'description', limits.descriptionLengthMax),
    checkDate(input.occurredAt, 'occurredAt'),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  // how far back occurredAt may lie is checked by the ledger function after the replay check, so a
  // retry of an old call still gets its original answer
  const fp = fingerprint('recordUsage', {
    seconds: input.seconds,
    callId: input.callId,
    occurredAt: input.occurredAt?.toISOString(),
    description: input.description,
  });
  const a = await usageBatcherOf(deps.em).submit({
    userId: input.userId,
    seconds: input.seconds,
    idempotencyKey: input.idempotencyKey,
    fingerprint: fp,
    callId: input.callId ?? null,
    occurredAt: input.occurredAt?.toISOString() ?? null,
    description: input.description ?? null,
    now: deps.clock.now()?.toISOString() ?? null,
  });
  if ('failure' in a) return businessFailure(a.failure, a.detail);
  const r = answered(deps, a.answer);
  return r.ok ? { ok: true, value: toUsageOutcome(r.value) } : r;
}
