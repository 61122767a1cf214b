import { recordUsage } from '../../src/domain/ledger/record-usage';
import { reserveCredits } from '../../src/domain/ledger/reserve-credits';
import { commitReservation } from '../../src/domain/ledger/commit-reservation';
import { releaseReservation } from '../../src/domain/ledger/release-reservation';
import { extendReservation } from '../../src/domain/ledger/extend-reservation';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { grantPeriod } from '../../src/domain/ledger/grant-period';
import { refundUsage } from '../../src/domain/ledger/refund-usage';
import { adjustCredits } from '../../src/domain/ledger/adjust-credits';
import { Client } from 'pg';
import { closeCanceledPeriod, closeCanceledPeriods, closePeriod, closeDuePeriods } from '../../src/domain/ledger/close-period';
import { expireDue } from '../../src/domain/ledger/expire-due';
import { getBalance, loadPeriodUsage } from '../../src/domain/ledger/get-balance';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { ManualClock } from '../../src/shared/clock';
import { createTestDb, type TestDb } from '../support/test-db';
import { activeMembership, deps, newUser, newUserWithBonus, unwrap } from '../support/ledger-fixtures';

const T0 = new Date('2026-11-01T00:00:00.000Z');
const T1 = new Date('2026-12-01T00:00:00.000Z');

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

async function expectVerified(userId: string) {
  const report = await verifyLedger({ em: db.em() }, userId);
  expect(report.problems).toEqual([]);
  return report;
}

describe('the ledger core', () => {
  it('records usage from the grant that expires first and keeps the lineage', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 6000);
    const soon = unwrap(
      await grantCredits(deps(em, clock), {
        userId,
        seconds: 60,
        source: 'PURCHASE',
        expiresAt: new Date('2026-11-11T00:00:00Z'),
        idempotencyKey: 'p1',
      }),
    );
    const used = unwrap(await recordUsage(deps(em, clock), { userId, seconds: 100, idempotencyKey: 'call-1', callId: 'c1' }));
    expect(used.billedSeconds).toBe(100);
    expect(used.creditSeconds).toBe(100);
    expect(used.transaction?.amountSeconds).toBe(-100);
    expect(used.balance.balanceSeconds).toBe(5960);
    expect(used.transaction?.metadata?.grants).toEqual([
      { grantId: soon.grant.id, seconds: 60 },
      { grantId: expect.any(String), seconds: 40 },
    ]);
    await expectVerified(userId);
  });

  it('expires a grant at its expiry with an EXPIRY entry, and the sweep settles idle users', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUser(em);
    unwrap(
      await grantCredits(deps(em, clock), {
        userId,
        seconds: 120,
        source: 'BONUS',
        expiresAt: new Date('2026-11-10T11:00:00Z'),
        idempotencyKey: 'b1',
      }),
    );
    clock.set(new Date('2026-11-10T11:00:00Z'));
    const settled = await expireDue(deps(em, clock), 100);
    expect(settled.find((b) => b.userId === userId)?.balanceSeconds).toBe(0);
    const types = await em
      .getConnection()
      .execute<{ type: string; amount_seconds: string }[]>('select type, amount_seconds from ledger_entries where user_id = ? order by sequence', [userId]);
    expect(types.map((t) => [t.type, Number(t.amount_seconds)])).toEqual([
      ['BONUS', 120],
      ['EXPIRY', -120],
    ]);
    await expectVerified(userId);
  });

  it('runs a hold through reserve, extend and commit, billing per plan increment', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 600);
    await em.getConnection().execute(`update plans set usage_increment_seconds = 60 where code = 'BUSINESS'`);
    try {
      await activeMembership(em, userId, T0, T1, 'BUSINESS');
      const held = unwrap(await reserveCredits(deps(em, clock), { userId, seconds: 120, idempotencyKey: 'h1', ttlSeconds: 60 }));
      expect(held.balance.reservedSeconds).toBe(120);
      expect(held.balance.availableSeconds).toBe(480);
      clock.advanceSeconds(50);
      const ext = unwrap(
        await extendReservation(deps(em, clock), { reservationId: held.reservation.id, seconds: 60, ttlSeconds: 60, idempotencyKey: 'extend-1' }),
      );
      expect(ext.reservation.reservedSeconds).toBe(180);
      clock.advanceSeconds(50);
      const done = unwrap(await commitReservation(deps(em, clock), { reservationId: held.reservation.id, usedSeconds: 61 }));
      expect(done.billedSeconds).toBe(120);
      expect(done.balance).toMatchObject({ balanceSeconds: 480, reservedSeconds: 0 });
      const again = unwrap(await commitReservation(deps(em, clock), { reservationId: held.reservation.id, usedSeconds: 61 }));
      expect(again).toEqual(done);
      const other = await commitReservation(deps(em, clock), { reservationId: held.reservation.id, usedSeconds: 62 });
      expect(other).toMatchObject({ ok: false, error: { code: 'RESERVATION_NOT_ACTIVE' } });
    } finally {
      await em.getConnection().execute(`update plans set usage_increment_seconds = 1 where code = 'BUSINESS'`);
    }
    await expectVerified(userId);
  });

  it('lets a hold expire after its TTL, and refuses to commit it', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 600);
    const held = unwrap(await reserveCredits(deps(em, clock), { userId, seconds: 300, idempotencyKey: 'h1', ttlSeconds: 30 }));
    clock.advanceSeconds(31);
    const b = unwrap(await getBalance(deps(em, clock), userId));
    expect(b).toMatchObject({ balanceSeconds: 600, reservedSeconds: 0 });
    const r = await commitReservation(deps(em, clock), { reservationId: held.reservation.id, usedSeconds: 10 });
    expect(r).toMatchObject({ ok: false, error: { code: 'RESERVATION_EXPIRED' } });
    const rel = await releaseReservation(deps(em, clock), { reservationId: held.reservation.id });
    expect(rel).toMatchObject({ ok: false, error: { code: 'RESERVATION_EXPIRED' } });
    await expectVerified(userId);
  });

  it('records a commit past grants and cap as overage, flagged past the cap', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 60);
    await activeMembership(em, userId, T0, T1, 'STARTER', 30); // 30 c → at most 60 s of overage
    const held = unwrap(await reserveCredits(deps(em, clock), { userId, seconds: 120, idempotencyKey: 'h1' }));
    expect(held.reservation.allowedSeconds).toBe(120);
    const over = await reserveCredits(deps(em, clock), { userId, seconds: 1, idempotencyKey: 'h2' });
    expect(over).toMatchObject({ ok: false, error: { code: 'OVERAGE_LIMIT_REACHED' } });
    const done = unwrap(await commitReservation(deps(em, clock), { reservationId: held.reservation.id, usedSeconds: 300 }));
    expect(done).toMatchObject({ creditSeconds: 60, overageSeconds: 240, overCapSeconds: 180, uncoveredSeconds: 0 });
    const b = unwrap(await getBalance(deps(em, clock), userId));
    expect(b).toMatchObject({ balanceSeconds: 0, reservedSeconds: 0 });
    const period = (await loadPeriodUsage(em, [userId])).get(userId);
    expect(period).toMatchObject({ usedSeconds: 300, overageSeconds: 240, overageCents: 30, includedSeconds: 12_000 });
    await expectVerified(userId);
  });

  it('allows no overage during a trial: usage past the trial seconds is refused, a commit past them is uncovered', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 60);
    unwrap(
      await setMembership(
        { em },
        {
          userId,
          planCode: 'STARTER',
          status: 'TRIALING',
          currentPeriodStart: T0,
          currentPeriodEnd: T1,
          stripeSubscriptionId: `sub_${userId.slice(0, 8)}`,
        },
      ),
    );
    const over = await recordUsage(deps(em, clock), { userId, seconds: 61, idempotencyKey: 'trial-over' });
    expect(over).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_CREDITS' } });
    expect(await reserveCredits(deps(em, clock), { userId, seconds: 61, idempotencyKey: 'trial-hold' })).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_CREDITS' },
    });
    const held = unwrap(await reserveCredits(deps(em, clock), { userId, seconds: 60, idempotencyKey: 'trial-hold-60' }));
    const done = unwrap(await commitReservation(deps(em, clock), { reservationId: held.reservation.id, usedSeconds: 90 }));
    expect(done).toMatchObject({ creditSeconds: 60, overageSeconds: 0, uncoveredSeconds: 30 });
    await expectVerified(userId);
  });

  it('refunds usage along its lineage, never beyond what was paid with credits', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 100);
    const used = unwrap(await recordUsage(deps(em, clock), { userId, seconds: 80, idempotencyKey: 'u1' }));
    const r1 = unwrap(await refundUsage(deps(em, clock), { transactionId: used.transaction!.id, seconds: 50, idempotencyKey: 'r1', reason: 'dropped call' }));
    expect(r1.balance.balanceSeconds).toBe(70);
    expect(r1.grants).toEqual([{ seconds: 50, expiresAt: null }]);
    const r2 = await refundUsage(deps(em, clock), { transactionId: used.transaction!.id, seconds: 31, idempotencyKey: 'r2' });
    expect(r2).toMatchObject({ ok: false, error: { code: 'REFUND_EXCEEDS_USAGE' } });
    const grant = unwrap(await grantCredits(deps(em, clock), { userId, seconds: 5, source: 'BONUS', idempotencyKey: 'b2' }));
    const r3 = await refundUsage(deps(em, clock), { transactionId: grant.transaction.id, seconds: 1, idempotencyKey: 'r3' });
    expect(r3).toMatchObject({ ok: false, error: { code: 'NOT_REFUNDABLE' } });
    await expectVerified(userId);
  });

  it("gives refunded seconds whose paying grant has expired the current period's end, and 30 days once the membership has ended", async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUser(em);
    unwrap(
      await grantCredits(deps(em, clock), { userId, seconds: 100, source: 'BONUS', expiresAt: new Date('2026-11-11T00:00:00Z'), idempotencyKey: 'short' }),
    );
    const used = unwrap(await recordUsage(deps(em, clock), { userId, seconds: 80, idempotencyKey: 'u1' }));
    clock.set(new Date('2026-11-12T00:00:00Z')); // the paying grant has expired
    const periodEnd = new Date('2026-12-01T00:00:00Z');
    await activeMembership(em, userId, new Date('2026-11-01T00:00:00Z'), periodEnd);
    const live = unwrap(await refundUsage(deps(em, clock), { transactionId: used.transaction!.id, seconds: 10, idempotencyKey: 'while-live' }));
    expect(live.grants).toEqual([{ seconds: 10, expiresAt: periodEnd }]);
    // the membership ends at once: its period's end is no current period any more
    unwrap(
      await setMembership(
        { em },
        {
          userId,
          planCode: 'STARTER',
          status: 'CANCELED',
          currentPeriodStart: new Date('2026-11-01T00:00:00Z'),
          currentPeriodEnd: periodEnd,
          stripeSubscriptionId: `sub_${userId.slice(0, 8)}`,
        },
      ),
    );
    const ended = unwrap(await refundUsage(deps(em, clock), { transactionId: used.transaction!.id, seconds: 10, idempotencyKey: 'after-end' }));
    expect(ended.grants).toEqual([{ seconds: 10, expiresAt: new Date('2026-12-12T00:00:00Z') }]);
    await expectVerified(userId);
  });

  it('names the REFUND grants a refund created as its lineage, and verifyLedger holds it to them', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 100);
    const used = unwrap(await recordUsage(deps(em, clock), { userId, seconds: 80, idempotencyKey: 'u1' }));
    const r1 = unwrap(await refundUsage(deps(em, clock), { transactionId: used.transaction!.id, seconds: 50, idempotencyKey: 'r1' }));
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const {
        rows: [entry],
      } = await pg.query(`select id, metadata from ledger_entries where id = $1`, [r1.transaction.id]);
      const { rows: made } = await pg.query(
        `select id::text as "grantId", granted_seconds::int as seconds from credit_grants where entry_id = $1 and source = 'REFUND'`,
        [entry.id],
      );
      expect(made).toHaveLength(1);
      expect(entry.metadata.grants).toEqual(made);
      expect((await verifyLedger({ em: db.em() }, userId)).problems).toEqual([]);
      // A REFUND entry whose lineage names the usage's grants instead of the ones it created is reported
      // (the append-only trigger is lifted for this one tampering write only).
      await pg.query('begin');
      await pg.query(`alter table ledger_entries disable trigger user`);
      await pg.query(`update ledger_entries set metadata = jsonb_set(metadata, '{grants}', $2::jsonb) where id = $1`, [
        entry.id,
        JSON.stringify(entry.metadata.refunded.map((l: { grantId: string; seconds: number }) => ({ grantId: l.grantId, seconds: l.seconds }))),
      ]);
      await pg.query(`alter table ledger_entries enable trigger user`);
      await pg.query('commit');
      const report = await verifyLedger({ em: db.em() }, userId);
      expect(report.problems.map((p) => p.message).join('\n')).toMatch(/refund\(s\) whose lineage does not name the REFUND grants/);
    } finally {
      await pg.end();
    }
  });

  it('adjusts by hand in both directions, never below zero', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 100);
    expect(unwrap(await adjustCredits(deps(em, clock), { userId, seconds: -40, reason: 'fix', idempotencyKey: 'a1' })).balance.balanceSeconds).toBe(60);
    expect(unwrap(await adjustCredits(deps(em, clock), { userId, seconds: 15, reason: 'fix', idempotencyKey: 'a2' })).balance.balanceSeconds).toBe(75);
    expect(await adjustCredits(deps(em, clock), { userId, seconds: -76, reason: 'fix', idempotencyKey: 'a3' })).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_CREDITS' },
    });
    await expectVerified(userId);
  });

  it('closes a period: expires PLAN seconds, rolls over what the plan allows, fixes overage cents exactly', async () => {
    const clock = new ManualClock(new Date('2026-11-01T00:00:00Z'));
    const em = db.em();
    const userId = await newUser(em);
    await activeMembership(em, userId, T0, T1, 'STARTER');
    await em.getConnection().execute(`update plans set rollover_max_seconds = 600 where code = 'STARTER'`);
    try {
      const plan = unwrap(
        await grantPeriod(deps(em, clock), {
          userId,
          subscriptionId: 'sub_close',
          planCode: 'STARTER',
          periodStart: T0,
          periodEnd: T1,
        }),
      );
      expect(plan.grant.grantedSeconds).toBe(12_000);
      const again = unwrap(
        await grantPeriod(deps(em, clock), {
          userId,
          subscriptionId: 'sub_close',
          planCode: 'STARTER',
          periodStart: T0,
          periodEnd: T1,
        }),
      );
      expect(again.grant.id).toBe(plan.grant.id);
      clock.set(new Date('2026-11-15T00:00:00Z'));
      unwrap(await recordUsage(deps(em, clock), { userId, seconds: 11_000, idempotencyKey: 'u1' }));
      unwrap(await recordUsage(deps(em, clock), { userId, seconds: 1_000 + 1_234, idempotencyKey: 'u2' }));
      expect(await closePeriod(deps(em, clock), { periodId: plan.grant.periodId! })).toMatchObject({ ok: false, error: { code: 'PERIOD_NOT_ENDED' } });
      clock.set(T1);
      const closed = (await closeDuePeriods(deps(em, clock), 100)).find((c) => c.periodId === plan.grant.periodId);
      expect(closed).toMatchObject({ overageSeconds: 1234, overageCents: 617, expiredSeconds: 0, rolloverSeconds: 0 });
      const replay = unwrap(await closePeriod(deps(em, clock), { periodId: plan.grant.periodId! }));
      expect(replay.overageCents).toBe(617);
    } finally {
      await em.getConnection().execute(`update plans set rollover_max_seconds = 0 where code = 'STARTER'`);
    }
    await expectVerified(userId);
  });

  it('closes a period early only when its membership was cancelled at once: overage fixed in cents, once', async () => {
    const clock = new ManualClock(new Date('2026-11-01T00:00:00Z'));
    const em = db.em();
    const userId = await newUser(em);
    await activeMembership(em, userId, T0, T1, 'STARTER');
    const plan = unwrap(
      await grantPeriod(deps(em, clock), {
        userId,
        subscriptionId: 'sub_early',
        planCode: 'STARTER',
        periodStart: T0,
        periodEnd: T1,
      }),
    );
    const periodId = plan.grant.periodId!;
    clock.set(new Date('2026-11-15T00:00:00Z'));
    unwrap(await recordUsage(deps(em, clock), { userId, seconds: 12_000 + 1_234, idempotencyKey: 'u1' }));
    // still ACTIVE: not before its end
    expect(await closeCanceledPeriod(deps(em, clock), { periodId })).toMatchObject({ ok: false, error: { code: 'PERIOD_NOT_ENDED' } });
    expect(await closeCanceledPeriod(deps(em, clock), { periodId: 'nope' })).toMatchObject({ ok: false, error: { code: 'PERIOD_NOT_FOUND' } });
    const [open] = await em.getConnection().execute(`select status from usage_periods where id = ?`, [periodId]);
    expect(open!.status).toBe('OPEN');

    await em.getConnection().execute(`update memberships set status = 'CANCELED' where user_id = ?`, [userId]);
    clock.set(new Date('2026-11-16T00:00:00Z'));
    const closed = unwrap(await closeCanceledPeriod(deps(em, clock), { periodId }));
    expect(closed).toMatchObject({ overageSeconds: 1234, overageCents: 617, expiredSeconds: 0, rolloverSeconds: 0, periodEnd: T1 });
    // usage afterwards counts in no period and takes no overage
    expect(await recordUsage(deps(em, clock), { userId, seconds: 60, idempotencyKey: 'u2' })).toMatchObject({
      ok: false,
      error: { code: 'INSUFFICIENT_CREDITS' },
    });
    clock.set(T1);
    expect((await closeDuePeriods(deps(em, clock), 100)).map((c) => c.periodId)).not.toContain(periodId);
    const replay = unwrap(await closePeriod(deps(em, clock), { periodId }));
    expect(replay).toMatchObject({ overageSeconds: 1234, overageCents: 617 });
    expect(unwrap(await closeCanceledPeriod(deps(em, clock), { periodId })).overageCents).toBe(617);
    await expectVerified(userId);
  });

  it('closes the cancelled periods only after a usage still in flight has committed its overage', async () => {
    const clock = new ManualClock(new Date('2026-11-01T00:00:00Z'));
    const em = db.em();
    const userId = await newUser(em);
    await activeMembership(em, userId, T0, T1, 'STARTER');
    const plan = unwrap(
      await grantPeriod(deps(em, clock), {
        userId,
        subscriptionId: 'sub_race',
        planCode: 'STARTER',
        periodStart: T0,
        periodEnd: T1,
      }),
    );
    // a usage that read the membership as ACTIVE and has not committed yet: it holds the user's lock
    const inFlight = new Client({ connectionString: db.url });
    await inFlight.connect();
    try {
      await inFlight.query('begin');
      await inFlight.query(`select vp_record_usage($1, 12600, 'race', 'fp', null, null, null, '2026-11-20T00:00:00Z', 604800)`, [userId]);
      await em.getConnection().execute(`update memberships set status = 'CANCELED' where user_id = ?`, [userId]);
      clock.set(new Date('2026-11-20T00:00:01Z'));
      let done = false;
      const closing = closeCanceledPeriods(deps(db.em(), clock), { userId }).finally(() => (done = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(done).toBe(false); // waits for the user's lock
      await inFlight.query('commit');
      const closed = unwrap(await closing);
      expect(closed).toEqual([expect.objectContaining({ periodId: plan.grant.periodId, overageSeconds: 600, overageCents: 300 })]);
    } finally {
      await inFlight.end();
    }
    expect(unwrap(await closeCanceledPeriods(deps(em, clock), { userId }))).toEqual([]); // nothing open any more
    expect(await closeCanceledPeriods(deps(em, clock), { userId: 'nope' })).toMatchObject({ ok: false, error: { code: 'USER_NOT_FOUND' } });
    await expectVerified(userId);
  });

  it('rolls unused PLAN seconds over into the next period, up to the plan maximum', async () => {
    const clock = new ManualClock(new Date('2026-11-01T00:00:00Z'));
    const em = db.em();
    const userId = await newUser(em);
    await activeMembership(em, userId, T0, T1, 'BUSINESS');
    await em.getConnection().execute(`update plans set rollover_max_seconds = 6000 where code = 'BUSINESS'`);
    try {
      const plan = unwrap(
        await grantPeriod(deps(em, clock), {
          userId,
          subscriptionId: 'sub_roll',
          planCode: 'BUSINESS',
          periodStart: T0,
          periodEnd: T1,
        }),
      );
      unwrap(await recordUsage(deps(em, clock), { userId, seconds: 40_000, idempotencyKey: 'u1' }));
      clock.set(new Date('2026-12-01T00:00:05Z'));
      const closed = unwrap(await closePeriod(deps(em, clock), { periodId: plan.grant.periodId! }));
      expect(closed).toMatchObject({ expiredSeconds: 8000, rolloverSeconds: 6000, overageCents: 0 });
      expect(closed.balance.balanceSeconds).toBe(6000);
    } finally {
      await em.getConnection().execute(`update plans set rollover_max_seconds = 0 where code = 'BUSINESS'`);
    }
    await expectVerified(userId);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of ledger rows, even as raw SQL', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const em = db.em();
    const userId = await newUserWithBonus(em, clock, 100);
    const conn = em.getConnection();
    await expect(conn.execute('update ledger_entries set amount_seconds = 1000000 where user_id = ?', [userId])).rejects.toThrow(/append-only/);
    await expect(conn.execute('delete from ledger_entries where user_id = ?', [userId])).rejects.toThrow(/append-only/);
    await expect(conn.execute('truncate ledger_entries cascade')).rejects.toThrow(/append-only/);
    await expectVerified(userId);
  });
});
