// Every kind of bad input gets its typed code and writes nothing: row counts of every ledger table
// and the balance versions are compared before and after each case.
import { randomUUID } from 'node:crypto';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { reserveCredits } from '../../src/domain/ledger/reserve-credits';
import { extendReservation } from '../../src/domain/ledger/extend-reservation';
import { commitReservation } from '../../src/domain/ledger/commit-reservation';
import { releaseReservation } from '../../src/domain/ledger/release-reservation';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { refundUsage } from '../../src/domain/ledger/refund-usage';
import { adjustCredits } from '../../src/domain/ledger/adjust-credits';
import { ManualClock } from '../../src/shared/clock';
import type { Result } from '../../src/shared/errors';
import { createTestDb, type TestDb } from '../support/test-db';
import { deps, newUserWithBonus, snapshotCounts, unwrap } from '../support/ledger-fixtures';

let db: TestDb;
const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
let userId: string;
let released: string;
let expired: string;
let committed: string;
let usageTx: string;
let bonusTx: string;

beforeAll(async () => {
  db = await createTestDb();
  const em = db.em();
  userId = await newUserWithBonus(em, clock, 600);
  const d = deps(em, clock);
  const used = unwrap(await recordUsage(d, { userId, seconds: 50, idempotencyKey: 'used-50' }));
  usageTx = used.transaction!.id;
  bonusTx = unwrap(await grantCredits(d, { userId, seconds: 10, source: 'BONUS', idempotencyKey: 'bonus-10' })).transaction.id;
  released = unwrap(await reserveCredits(d, { userId, seconds: 10, idempotencyKey: 'h-rel' })).reservation.id;
  unwrap(await releaseReservation(d, { reservationId: released }));
  committed = unwrap(await reserveCredits(d, { userId, seconds: 10, idempotencyKey: 'h-com' })).reservation.id;
  unwrap(await commitReservation(d, { reservationId: committed, usedSeconds: 5 }));
  expired = unwrap(await reserveCredits(d, { userId, seconds: 10, idempotencyKey: 'h-exp', ttlSeconds: 1 })).reservation.id;
  clock.advanceSeconds(5);
  // the expiry itself is a write: settle it now so the cases below start from a quiet state
  unwrap(await recordUsage(d, { userId, seconds: 1, idempotencyKey: 'settle' }));
});
afterAll(async () => {
  await db.close();
});

const key129 = 'k'.repeat(129);
const ghost = () => randomUUID();

type Case = [string, string, () => Promise<Result<unknown>>];
const d = () => deps(db.em(), clock);

const cases: Case[] = [
  ['zero seconds', 'INVALID_SECONDS', () => recordUsage(d(), { userId, seconds: 0, idempotencyKey: 'a' })],
  ['negative seconds', 'INVALID_SECONDS', () => recordUsage(d(), { userId, seconds: -60, idempotencyKey: 'a' })],
  ['fractional seconds', 'INVALID_SECONDS', () => recordUsage(d(), { userId, seconds: 1.5, idempotencyKey: 'a' })],
  ['NaN seconds', 'INVALID_SECONDS', () => recordUsage(d(), { userId, seconds: Number.NaN, idempotencyKey: 'a' })],
  ['seconds as a string', 'INVALID_SECONDS', () => recordUsage(d(), { userId, seconds: '60' as unknown as number, idempotencyKey: 'a' })],
  ['2^31 seconds', 'INVALID_SECONDS', () => recordUsage(d(), { userId, seconds: 2 ** 31, idempotencyKey: 'a' })],
  ['2^53 seconds', 'INVALID_SECONDS', () => recordUsage(d(), { userId, seconds: 2 ** 53, idempotencyKey: 'a' })],
  ['more seconds than the balance', 'INSUFFICIENT_CREDITS', () => recordUsage(d(), { userId, seconds: 100_000, idempotencyKey: 'a' })],
  ['an unknown user', 'USER_NOT_FOUND', () => recordUsage(d(), { userId: ghost(), seconds: 1, idempotencyKey: 'a' })],
  ['a malformed user id', 'USER_NOT_FOUND', () => recordUsage(d(), { userId: "1' or '1'='1", seconds: 1, idempotencyKey: 'a' })],
  ['a 129-character key', 'INVALID_IDEMPOTENCY_KEY', () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: key129 })],
  ['an empty key', 'INVALID_IDEMPOTENCY_KEY', () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: '' })],
  ['a key with spaces', 'INVALID_IDEMPOTENCY_KEY', () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: 'a b' })],
  ['a key in odd Unicode', 'INVALID_IDEMPOTENCY_KEY', () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: 'schlüssel-\u202e' })],
  ['a key in the service namespace', 'INVALID_IDEMPOTENCY_KEY', () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: '~commit:x' })],
  ['a description over the limit', 'INVALID_ARGUMENT', () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: 'a', description: 'x'.repeat(10_000) })],
  ['a usage dated in the year 275760', 'INVALID_ARGUMENT', () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: 'a', occurredAt: new Date(8.64e15) })],
  [
    'a usage dated a year back',
    'INVALID_ARGUMENT',
    () => recordUsage(d(), { userId, seconds: 1, idempotencyKey: 'a', occurredAt: new Date('2025-11-10T10:00:00Z') }),
  ],
  ['a hold over the balance', 'INSUFFICIENT_CREDITS', () => reserveCredits(d(), { userId, seconds: 100_000, idempotencyKey: 'a' })],
  ['a hold TTL of 0', 'INVALID_TTL', () => reserveCredits(d(), { userId, seconds: 1, idempotencyKey: 'a', ttlSeconds: 0 })],
  ['a hold TTL over an hour', 'INVALID_TTL', () => reserveCredits(d(), { userId, seconds: 1, idempotencyKey: 'a', ttlSeconds: 3601 })],
  ['a zero hold', 'INVALID_SECONDS', () => reserveCredits(d(), { userId, seconds: 0, idempotencyKey: 'a' })],
  ['commit of a released hold', 'RESERVATION_NOT_ACTIVE', () => commitReservation(d(), { reservationId: released, usedSeconds: 1 })],
  ['commit of an expired hold', 'RESERVATION_EXPIRED', () => commitReservation(d(), { reservationId: expired, usedSeconds: 1 })],
  ['a second, different commit', 'RESERVATION_NOT_ACTIVE', () => commitReservation(d(), { reservationId: committed, usedSeconds: 6 })],
  ['commit of an unknown hold', 'RESERVATION_NOT_FOUND', () => commitReservation(d(), { reservationId: ghost(), usedSeconds: 1 })],
  ['commit with negative seconds', 'INVALID_SECONDS', () => commitReservation(d(), { reservationId: committed, usedSeconds: -1 })],
  [
    'extend of a released hold',
    'RESERVATION_NOT_ACTIVE',
    () => extendReservation(d(), { reservationId: released, seconds: 1, idempotencyKey: 'extend-released' }),
  ],
  ['extend of an expired hold', 'RESERVATION_EXPIRED', () => extendReservation(d(), { reservationId: expired, seconds: 1, idempotencyKey: 'extend-expired' })],
  [
    'extend without an idempotency key',
    'INVALID_IDEMPOTENCY_KEY',
    () => extendReservation(d(), { reservationId: released, seconds: 1 } as unknown as Parameters<typeof extendReservation>[1]),
  ],
  ['release of a committed hold', 'RESERVATION_NOT_ACTIVE', () => releaseReservation(d(), { reservationId: committed })],
  ['refund beyond what was used', 'REFUND_EXCEEDS_USAGE', () => refundUsage(d(), { transactionId: usageTx, seconds: 51, idempotencyKey: 'a' })],
  ['refund of a grant', 'NOT_REFUNDABLE', () => refundUsage(d(), { transactionId: bonusTx, seconds: 1, idempotencyKey: 'a' })],
  ['refund of an unknown transaction', 'TRANSACTION_NOT_FOUND', () => refundUsage(d(), { transactionId: ghost(), seconds: 1, idempotencyKey: 'a' })],
  [
    'a grant expiring in the past',
    'INVALID_EXPIRY',
    () => grantCredits(d(), { userId, seconds: 1, source: 'BONUS', idempotencyKey: 'a', expiresAt: new Date('2026-01-01T00:00:00Z') }),
  ],
  ['a grant of an unknown source', 'INVALID_ARGUMENT', () => grantCredits(d(), { userId, seconds: 1, source: 'PLAN' as 'BONUS', idempotencyKey: 'a' })],
  ['a zero adjustment', 'INVALID_SECONDS', () => adjustCredits(d(), { userId, seconds: 0, reason: 'x', idempotencyKey: 'a' })],
  ['an adjustment below zero', 'INSUFFICIENT_CREDITS', () => adjustCredits(d(), { userId, seconds: -1_000_000, reason: 'x', idempotencyKey: 'a' })],
  ['an adjustment without reason', 'INVALID_ARGUMENT', () => adjustCredits(d(), { userId, seconds: 5, reason: ' ', idempotencyKey: 'a' })],
];

describe('bad input', () => {
  it.each(cases)('answers %s with %s and writes nothing', async (_name, code, run) => {
    const before = await snapshotCounts(db.em());
    const r = await run();
    expect(r).toMatchObject({ ok: false, error: { code } });
    expect(await snapshotCounts(db.em())).toEqual(before);
  });
});

describe('the ledger function behind extendReservation', () => {
  it('refuses an extend without an idempotency key (INVALID_IDEMPOTENCY_KEY) and writes nothing, whoever calls it', async () => {
    const hold = unwrap(await reserveCredits(deps(db.em(), clock), { userId, seconds: 10, idempotencyKey: 'h-sql-nokey' })).reservation.id;
    const before = await snapshotCounts(db.em());
    const conn = db.em().getConnection();
    await expect(conn.execute('select vp_extend_reservation(?, 60, 300, null, ?, ?) as r', [hold, 'fp', clock.now()])).rejects.toMatchObject({
      message: expect.stringContaining('INVALID_IDEMPOTENCY_KEY'),
    });
    expect(await snapshotCounts(db.em())).toEqual(before);
    const [row] = await conn.execute<{ s: number }[]>('select reserved_seconds::int as s from reservations where id = ?', [hold]);
    expect(row!.s).toBe(10);
  });
});
