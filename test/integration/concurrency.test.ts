// Races and replays from several connection pools (as several processes would): the per-user row
// lock must make every outcome exact.
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { reserveCredits } from '../../src/domain/ledger/reserve-credits';
import { commitReservation } from '../../src/domain/ledger/commit-reservation';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { databaseClock } from '../../src/shared/clock';
import type { Orm } from '../../src/db/orm';
import { createTestDb, type TestDb } from '../support/test-db';
import { activeMembership, deps, newUserWithBonus, snapshotCounts, unwrap } from '../support/ledger-fixtures';

let db: TestDb;
let pools: Orm[];
beforeAll(async () => {
  db = await createTestDb(6);
  pools = [db.orm, await db.extraOrm(6), await db.extraOrm(6)];
});
afterAll(async () => {
  await db.close();
});

/** Runs n calls spread round-robin over the pools, all started at once. */
function spread<T>(n: number, call: (em: Orm['em'], i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => call(pools[i % pools.length]!.em.fork(), i)));
}

function tally(results: { ok: boolean; error?: { code: string } }[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of results) {
    const k = r.ok ? 'ok' : r.error!.code;
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
}

const clock = databaseClock;

describe('concurrency', () => {
  it('lets exactly 100 of 500 concurrent 60 s usages through on 100 minutes without overage', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 6000);
    const results = await spread(500, (em, i) => recordUsage(deps(em, clock), { userId, seconds: 60, idempotencyKey: `race-${i}` }));
    expect(tally(results)).toEqual({ ok: 100, INSUFFICIENT_CREDITS: 400 });
    const report = await verifyLedger({ em: db.em() }, userId);
    expect(report.problems).toEqual([]);
    expect(report.balanceSeconds).toBe(0);
  });

  it('stops exactly at the overage cap when overage is allowed', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 6000);
    // Starter: 30 c/min; a 300 c limit allows exactly 600 s = 10 more calls of 60 s.
    await activeMembership(db.em(), userId, new Date(Date.now() - 86_400_000), new Date(Date.now() + 86_400_000), 'STARTER', 300);
    const results = await spread(500, (em, i) => recordUsage(deps(em, clock), { userId, seconds: 60, idempotencyKey: `cap-${i}` }));
    expect(tally(results)).toEqual({ ok: 110, OVERAGE_LIMIT_REACHED: 390 });
    const [period] = await db
      .em()
      .getConnection()
      .execute<{ overage_seconds: string; over_cap_seconds: string }[]>('select overage_seconds, over_cap_seconds from usage_periods where user_id = ?', [
        userId,
      ]);
    expect(Number(period!.overage_seconds)).toBe(600);
    expect(Number(period!.over_cap_seconds)).toBe(0);
    expect((await verifyLedger({ em: db.em() }, userId)).problems).toEqual([]);
  });

  it('never over-reserves: 500 concurrent 60 s holds on 100 minutes → exactly 100 holds', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 6000);
    const results = await spread(500, (em, i) => reserveCredits({ ...deps(em, clock) }, { userId, seconds: 60, idempotencyKey: `hold-${i}`, ttlSeconds: 600 }));
    const t = tally(results);
    expect(t.ok).toBe(100);
    expect(t.ok! + (t.INSUFFICIENT_CREDITS ?? 0) + (t.TOO_MANY_RESERVATIONS ?? 0)).toBe(500);
    const [b] = await db
      .em()
      .getConnection()
      .execute<{ reserved_seconds: string; balance_seconds: string }[]>('select reserved_seconds, balance_seconds from credit_balances where user_id = ?', [
        userId,
      ]);
    expect(Number(b!.reserved_seconds)).toBe(6000);
    // committing every hold at once consumes exactly the balance
    const holds = results.filter((r) => r.ok).map((r) => (r as { value: { reservation: { id: string } } }).value.reservation.id);
    const commits = await spread(holds.length, (em, i) => commitReservation(deps(em, clock), { reservationId: holds[i]!, usedSeconds: 60 }));
    expect(tally(commits)).toEqual({ ok: 100 });
    const report = await verifyLedger({ em: db.em() }, userId);
    expect(report.problems).toEqual([]);
    expect(report.balanceSeconds).toBe(0);
  });

  it('answers one key sent 10× concurrently with one effect and identical answers', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 6000);
    const before = await snapshotCounts(db.em());
    const results = await spread(10, (em) => recordUsage(deps(em, clock), { userId, seconds: 42, idempotencyKey: 'same-key', callId: 'call-7' }));
    const values = results.map(unwrap);
    for (const v of values) expect(v).toEqual(values[0]);
    const after = await snapshotCounts(db.em());
    expect(after.ledger_entries - before.ledger_entries).toBe(1);
    expect(after.usage_records - before.usage_records).toBe(1);
    expect(values[0]!.balance.balanceSeconds).toBe(6000 - 42);
  });

  it('answers concurrent grants with one key with one grant', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 1);
    const results = await spread(10, (em) =>
      grantCredits(deps(em, clock), { userId, seconds: 600, source: 'BONUS', idempotencyKey: 'promo', reason: 'promo' }),
    );
    const values = results.map(unwrap);
    for (const v of values) expect(v).toEqual(values[0]);
    expect(values[0]!.balance.balanceSeconds).toBe(601);
  });

  it('refuses the same key with other parameters with IDEMPOTENCY_KEY_REUSED, and writes nothing', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 6000);
    const em = db.em();
    unwrap(await recordUsage(deps(em, clock), { userId, seconds: 30, idempotencyKey: 'k-1' }));
    const before = await snapshotCounts(em);
    const cases = [
      () => recordUsage(deps(em, clock), { userId, seconds: 31, idempotencyKey: 'k-1' }),
      () => recordUsage(deps(em, clock), { userId, seconds: 30, idempotencyKey: 'k-1', callId: 'other' }),
      () => reserveCredits(deps(em, clock), { userId, seconds: 30, idempotencyKey: 'k-1' }),
      () => grantCredits(deps(em, clock), { userId, seconds: 30, source: 'BONUS', idempotencyKey: 'k-1' }),
    ];
    for (const c of cases) expect(await c()).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(await snapshotCounts(em)).toEqual(before);
  });
});
