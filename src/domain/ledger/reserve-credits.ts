// Sets seconds aside for a call that is starting. Holds enforce limits: a hold that available
// seconds plus the overage allowance left cannot cover fails and changes nothing.
import { limits } from '../../config/limits';
import { ErrorCode, type Result } from '../../shared/errors';
import type { LedgerDeps } from './deps';
import { vpReserve, type ReservationAnswer } from '../../db/ledger';
import { published } from './publish';
import { checkId, checkKey, checkSeconds, checkTtl, fingerprint, firstFailure } from './validate';
import { toBalance, toReservation, type BalanceSnapshot, type ReservationView } from './views';

export interface ReserveCreditsInput {
  userId: string;
  seconds: number;
  idempotencyKey: string;
  ttlSeconds?: number | null;
}

export interface ReservationOutcome {
  reservation: ReservationView;
  balance: BalanceSnapshot;
}

export function toReservationOutcome(j: ReservationAnswer): ReservationOutcome {
  return { reservation: toReservation(j.reservation), balance: toBalance(j.balance) };
}

export async function reserveCredits(deps: LedgerDeps & { holdTtlSecondsDefault: number }, input: ReserveCreditsInput): Promise<Result<ReservationOutcome>> {
  const ttlSeconds = input.ttlSeconds ?? deps.holdTtlSecondsDefault;
  const bad = firstFailure(
    checkSeconds(input.seconds),
    checkKey(input.idempotencyKey),
    checkTtl(ttlSeconds),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  const fp = fingerprint('reserveCredits', { seconds: input.seconds, ttlSeconds });
  const r = published(
    deps,
    await vpReserve(deps.em, {
      userId: input.userId,
      seconds: input.seconds,
      ttlSeconds,
      idempotencyKey: input.idempotencyKey,
      fingerprint: fp,
      holdsMax: limits.holdsPerUserMax,
      now: deps.clock.now(),
    }),
  );
  return r.ok ? { ok: true, value: toReservationOutcome(r.value) } : r;
}
