// Adds seconds to an active hold and renews its TTL (a call running longer than planned). The
// idempotency key is required: a retried extend (same key, same input) answers the first one and
// adds nothing again; the same key with other input is IDEMPOTENCY_KEY_REUSED.
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpExtendReservation } from '../../db/ledger';
import { published } from './publish';
import { toReservationOutcome, type ReservationOutcome } from './reserve-credits';
import { checkId, checkKey, checkSeconds, checkTtl, fingerprint, firstFailure } from './validate';

export interface ExtendReservationInput {
  reservationId: string;
  /** Seconds to add to the hold (0 only renews the TTL). */
  seconds: number;
  ttlSeconds?: number | null;
  idempotencyKey: string;
}

export async function extendReservation(
  deps: LedgerDeps & { holdTtlSecondsDefault: number },
  input: ExtendReservationInput,
): Promise<Result<ReservationOutcome>> {
  const ttlSeconds = input.ttlSeconds ?? deps.holdTtlSecondsDefault;
  const bad = firstFailure(
    checkSeconds(input.seconds, 'seconds', { allowZero: true }),
    checkTtl(ttlSeconds),
    checkKey(input.idempotencyKey),
    checkId(input.reservationId, 'reservationId', ErrorCode.RESERVATION_NOT_FOUND),
  );
  if (bad) return bad;
  const fp = fingerprint('extendReservation', { reservationId: input.reservationId, seconds: input.seconds, ttlSeconds });
  const r = published(
    deps,
    await vpExtendReservation(deps.em, {
      reservationId: input.reservationId,
      seconds: input.seconds,
      ttlSeconds,
      idempotencyKey: input.idempotencyKey,
      fingerprint: fp,
      now: deps.clock.now(),
    }),
  );
  return r.ok ? { ok: true, value: toReservationOutcome(r.value) } : r;
}
