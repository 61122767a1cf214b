// Holds: set seconds aside for a call (vp_reserve), extend (vp_extend_reservation), give back
// (vp_release_reservation) or commit with the seconds used (vp_commit_reservation).
import type { CommitAnswer, ReservationAnswer } from './answers';
import { ledgerFunction } from './call';
import type { LedgerNow } from './grants';

export interface ReserveArgs {
  userId: string;
  seconds: number;
  ttlSeconds: number;
  idempotencyKey: string;
  fingerprint: string;
  holdsMax: number;
  now: LedgerNow;
}

export const vpReserve = ledgerFunction<ReserveArgs, ReservationAnswer>('vp_reserve', {
  userId: 'p_user',
  seconds: 'p_seconds',
  ttlSeconds: 'p_ttl_seconds',
  idempotencyKey: 'p_key',
  fingerprint: 'p_fingerprint',
  holdsMax: 'p_holds_max',
  now: 'p_now',
});

export interface ExtendReservationArgs {
  reservationId: string;
  seconds: number;
  ttlSeconds: number;
  idempotencyKey: string;
  fingerprint: string;
  now: LedgerNow;
}

export const vpExtendReservation = ledgerFunction<ExtendReservationArgs, ReservationAnswer>('vp_extend_reservation', {
  reservationId: 'p_reservation',
  seconds: 'p_seconds',
  ttlSeconds: 'p_ttl_seconds',
  idempotencyKey: 'p_key',
  fingerprint: 'p_fingerprint',
  now: 'p_now',
});

export interface ReleaseReservationArgs {
  reservationId: string;
  now: LedgerNow;
}

export const vpReleaseReservation = ledgerFunction<ReleaseReservationArgs, ReservationAnswer>('vp_release_reservation', {
  reservationId: 'p_reservation',
  now: 'p_now',
});

export interface CommitReservationArgs {
  reservationId: string;
  usedSeconds: number;
  description: string | null;
  now: LedgerNow;
}

export const vpCommitReservation = ledgerFunction<CommitReservationArgs, CommitAnswer>('vp_commit_reservation', {
  reservationId: 'p_reservation',
  usedSeconds: 'p_used_seconds',
  description: 'p_description',
  now: 'p_now',
});
