// Ends a hold with the seconds the call really used. Commits record facts: the call happened, so
// it is always recorded — credits first, the rest as overage even past the cap (flagged). The same
// commit repeated answers the first result; a different one is refused.
import { ErrorCode, type Result } from '../../shared/errors';
import { limits } from '../../config/limits';
import type { LedgerDeps } from './deps';
import { vpCommitReservation } from '../../db/ledger';
import { published } from './publish';
import { checkId, checkSeconds, checkText, firstFailure } from './validate';
import { toReservation, toUsageOutcome, type ReservationView, type UsageOutcome } from './views';

export interface CommitReservationInput {
  reservationId: string;
  usedSeconds: number;
  description?: string | null;
}

export interface CommitOutcome extends UsageOutcome {
  reservation: ReservationView;
}

export async function commitReservation(deps: LedgerDeps, input: CommitReservationInput): Promise<Result<CommitOutcome>> {
  const bad = firstFailure(
    checkSeconds(input.usedSeconds, 'usedSeconds', { allowZero: true }),
    checkText(input.description, 'description', limits.descriptionLengthMax),
    checkId(input.reservationId, 'reservationId', ErrorCode.RESERVATION_NOT_FOUND),
  );
  if (bad) return bad;
  const r = published(
    deps,
    await vpCommitReservation(deps.em, {
      reservationId: input.reservationId,
      usedSeconds: input.usedSeconds,
      description: input.description ?? null,
      now: deps.clock.now(),
    }),
  );
  if (!r.ok) return r;
  return { ok: true, value: { ...toUsageOutcome(r.value), reservation: toReservation(r.value.reservation) } };
}
