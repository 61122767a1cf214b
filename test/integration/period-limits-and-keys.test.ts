// Ledger rules at the edges of a period and of the key spaces: the limit that bills a period, no usage into a
// closed period, holds in billed seconds, backdated retries, refund grants and fingerprints.
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { reserveCredits } from '../../src/domain/ledger/reserve-credits';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { refundUsage } from '../../src/domain/ledger/refund-usage';
import { closePeriod } from '../../src/domain/ledger/close-period';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { fingerprint } from '../../src/domain/ledger/validate';
import { ManualClock } from '../../src/shared/clock';
import { createTestDb, type TestDb } from '../support/test-db';
import { activeMembership, deps, newUserWithBonus, unwrap } from '../support/ledger-fixtures';

const T0 = new Date('2026-11-01T00:00:00.000Z');
const T1 = new Date('2026-12-01T00:00:00.000Z');

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb(4);
});
afterAll(async () => {
  await db.close();
});

describe('period limits, billed holds, backdated replays and key spaces', () => {
  it('bills a period with the limit that allowed its overage, even if the limit was lowered before the close', async () => {
    const clock = new ManualClock(new Date('2026-11-10T00:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 60);
    await activeMembership(em, userId, T0, T1, 'STARTER', 600); // €6 cap at 30 c/min
    unwrap(await recordUsage(deps(em, clock), { userId, seconds: 60 + 1200, idempotencyKey: 'u1' })); // 1,200 s overage = 600 c
    unwrap(await setMembership({ em }, { userId, planCode: 'STARTER', status: 'ACTIVE', currentPeriodStart: T0, currentPeriodEnd: T1, overageLimitCents: 0 }));
    expect(await recordUsage(deps(em, clock), { userId, seconds: 1, idempotencyKey: 'u2' })).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_CREDITS' },
    });
    clock.set(T1);
    const [p] = await em.getConnection().execute<{ id: string }[]>('select id from usage_periods where user_id = ?', [userId]);
    expect(unwrap(await closePeriod(deps(em, clock), { periodId: p!.id }))).toMatchObject({ overageSeconds: 1200, overageCents: 600 });
  });

  it('counts no usage or overage into a period that is already closed', async () => {
    const clock = new ManualClock(new Date('2026-11-10T00:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 6000);
    const end = new Date('2026-11-10T01:00:00Z');
    await activeMembership(em, userId, T0, end, 'STARTER');
    clock.set(end);
    const [p] = await em.getConnection().execute<{ id: string }[]>('select id from usage_periods where user_id = ?', [userId]);
    unwrap(await closePeriod(deps(em, clock), { periodId: p!.id }));
    // Stripe moves the period end later, but the period was invoiced: no overage may land in it
    unwrap(await setMembership({ em }, { userId, planCode: 'STARTER', status: 'ACTIVE', currentPeriodStart: T0, currentPeriodEnd: T1 }));
    const used = unwrap(await recordUsage(deps(em, clock), { userId, seconds: 6000, idempotencyKey: 'u1' }));
    expect(used).toMatchObject({ creditSeconds: 6000, overageSeconds: 0 });
    expect(await recordUsage(deps(em, clock), { userId, seconds: 1, idempotencyKey: 'u2' })).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_CREDITS' },
    });
    const [row] = await em
      .getConnection()
      .execute<{ used_seconds: string; status: string }[]>('select used_seconds, status from usage_periods where id = ?', [p!.id]);
    expect(row).toMatchObject({ used_seconds: '0', status: 'CLOSED' });
  });

  it('keeps holds in billed seconds (rounded up to the increment), so they cannot outrun the cap', async () => {
    const clock = new ManualClock(new Date('2026-11-10T00:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 600);
    await em.getConnection().execute(`update plans set usage_increment_seconds = 60 where code = 'ENTERPRISE'`);
    try {
      await activeMembership(em, userId, T0, T1, 'ENTERPRISE', 0);
      const h = unwrap(await reserveCredits(deps(em, clock), { userId, seconds: 61, idempotencyKey: 'h1' }));
      expect(h.reservation.reservedSeconds).toBe(120);
      for (let i = 0; i < 8; i++) unwrap(await reserveCredits(deps(em, clock), { userId, seconds: 1, idempotencyKey: `s${i}` })); // 120 + 8 × 60 = 600
      expect(await reserveCredits(deps(em, clock), { userId, seconds: 1, idempotencyKey: 's9' })).toMatchObject({
        ok: false,
        error: { code: 'INSUFFICIENT_CREDITS' },
      });
    } finally {
      await em.getConnection().execute(`update plans set usage_increment_seconds = 1 where code = 'ENTERPRISE'`);
    }
    expect((await verifyLedger({ em }, userId)).problems).toEqual([]);
  });

  it('answers a retry of an old, backdated usage with its original answer days later', async () => {
    const clock = new ManualClock(new Date('2026-11-10T00:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 600);
    const input = { userId, seconds: 30, idempotencyKey: 'late', occurredAt: new Date('2026-11-09T23:00:00Z') };
    const first = unwrap(await recordUsage(deps(em, clock), input));
    clock.advanceSeconds(10 * 86_400);
    expect(unwrap(await recordUsage(deps(em, clock), input))).toEqual(first);
    expect(await recordUsage(deps(em, clock), { ...input, idempotencyKey: 'late-new' })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', field: 'occurredAt' },
    });
  });

  it("keeps refund grants out of the clients' key space", async () => {
    const clock = new ManualClock(new Date('2026-11-10T00:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 600);
    const used = unwrap(await recordUsage(deps(em, clock), { userId, seconds: 100, idempotencyKey: 'u' }));
    unwrap(await refundUsage(deps(em, clock), { transactionId: used.transaction!.id, seconds: 10, idempotencyKey: 'r' }));
    unwrap(await grantCredits(deps(em, clock), { userId, seconds: 5, source: 'BONUS', idempotencyKey: 'r#1' }));
    expect((await verifyLedger({ em }, userId)).problems).toEqual([]);
  });

  it('fingerprints values that contain separators unambiguously', () => {
    expect(fingerprint('recordUsage', { callId: 'c|description=d', description: null })).not.toBe(
      fingerprint('recordUsage', { callId: 'c', description: 'd|description=' }),
    );
  });
});
