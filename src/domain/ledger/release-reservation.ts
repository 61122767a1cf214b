// Gives a hold back unused (the call never connected). Releasing twice answers the same.
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpReleaseReservation } from '../../db/ledger';
import { published } from './publish';
import { toReservationOutcome, type ReservationOutcome } from './reserve-credits';
import { checkId } from './validate';

export interface ReleaseReservationInput {
  reservationId: string;
}

export async function releaseReservation(deps: LedgerDeps, input: ReleaseReservationInput): Promise<Result<ReservationOutcome>> {
  const bad = checkId(input.reservationId, 'reservationId', ErrorCode.RESERVATION_NOT_FOUND);
  if (bad) return bad;
  const r = published(deps, await vpReleaseReservation(deps.em, { reservationId: input.reservationId, now: deps.clock.now() }));
  return r.ok ? { ok: true, value: toReservationOutcome(r.value) } : r;
}
