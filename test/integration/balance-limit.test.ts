// The largest balance (billing rules §4) in the ledger: no sequence of grants, usage, refunds and
// adjustments leaves a balance above limits.balanceSecondsMax; what would pass it is refused with
// BALANCE_LIMIT_EXCEEDED and writes nothing, and what fits is never refused for it. A period's
// rollover is capped by the room left rather than failing the close.
import fc from 'fast-check';
import { limits } from '../../src/config/limits';
import { adjustCredits } from '../../src/domain/ledger/adjust-credits';
import { closePeriod } from '../../src/domain/ledger/close-period';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { grantPeriod } from '../../src/domain/ledger/grant-period';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { refundUsage } from '../../src/domain/ledger/refund-usage';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { ManualClock } from '../../src/shared/clock';
import type { Result } from '../../src/shared/errors';
import { createTestDb, type TestDb } from '../support/test-db';
import { activeMembership, deps, newUser, snapshotCounts, unwrap } from '../support/ledger-fixtures';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

const MAX = limits.balanceSecondsMax;
const OP_MAX = limits.secondsPerOperationMax;

async function balanceSeconds(userId: string): Promise<number> {
  const [row] = await db
    .em()
    .getConnection()
    .execute<{ b: string; top: string }[]>(
      `select b.balance_seconds as b, (select max(balance_after_seconds) from ledger_entries where user_id = b.user_id) as top
       from credit_balances b where b.user_id = ?`,
      [userId],
    );
  expect(Number(row!.top ?? 0)).toBeLessThanOrEqual(MAX);
  return Number(row!.b);
}

/** Grants the user `total` seconds as BONUS grants of at most a month each, in one statement. */
async function fill(userId: string, total: number, at: Date, key: string): Promise<void> {
  if (total <= 0) return;
  await db
    .em()
    .getConnection()
    .execute(
      `select count(vp_grant(?::uuid, 'BONUS', least(?::bigint, ?::bigint - (i - 1) * ?::bigint), null, null, ?::text || i, 'fill', 'fill', null, null, ?::timestamptz))
       from generate_series(1, ?::int) i`,
      [userId, OP_MAX, total, OP_MAX, key, at, Math.ceil(total / OP_MAX)],
    );
}

type Op =
  | { kind: 'grant'; seconds: number; source: 'BONUS' | 'PURCHASE' }
  | { kind: 'usage'; seconds: number }
  | { kind: 'refund'; usage: number; seconds: number }
  | { kind: 'adjust'; seconds: number };

const seconds = fc.oneof(fc.integer({ min: 1, max: OP_MAX }), fc.integer({ min: 1, max: 100 }), fc.constant(OP_MAX));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('grant' as const), seconds, source: fc.constantFrom('BONUS' as const, 'PURCHASE' as const) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('usage' as const), seconds }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('refund' as const), usage: fc.nat(20), seconds }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('adjust' as const),
      seconds: fc.oneof(
        seconds,
        seconds.map((s) => -s),
      ),
    }),
    weight: 3,
  },
);

describe('the largest balance', () => {
  it('is never passed by any sequence of grants, usage, refunds and adjustments; a refused step writes nothing', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * OP_MAX }), fc.array(opArb, { minLength: 1, maxLength: 20 }), async (startBelowMax, ops) => {
        run += 1;
        const em = db.em();
        const clock = new ManualClock(new Date(Date.UTC(2026, 10, 1) + run * 60_000));
        const d = deps(em, clock);
        const userId = await newUser(em);
        // start near the largest balance
        await fill(userId, MAX - startBelowMax, clock.now(), 'seed-');
        expect(await balanceSeconds(userId)).toBe(MAX - startBelowMax);
        const usages: string[] = [];
        let step = 0;
        for (const op of ops) {
          step += 1;
          clock.advanceSeconds(1);
          const key = `k-${run}-${step}`;
          const before = await snapshotCounts(em);
          const balanceBefore = await balanceSeconds(userId);
          let r: Result<unknown> | null = null;
          let adds = 0; // seconds the step would add to the balance
          switch (op.kind) {
            case 'grant':
              adds = op.seconds;
              r = await grantCredits(d, { userId, seconds: op.seconds, source: op.source, idempotencyKey: key });
              break;
            case 'usage': {
              r = await recordUsage(d, { userId, seconds: op.seconds, idempotencyKey: key });
              const tx = r.ok ? (r.value as { transaction: { id: string } | null }).transaction : null;
              if (tx) usages.push(tx.id);
              break;
            }
            case 'refund':
              if (usages.length) {
                adds = op.seconds;
                r = await refundUsage(d, { transactionId: usages[op.usage % usages.length]!, seconds: op.seconds, reason: 'test', idempotencyKey: key });
              }
              break;
            case 'adjust':
              adds = Math.max(op.seconds, 0);
              r = await adjustCredits(d, { userId, seconds: op.seconds, reason: 'property test', idempotencyKey: key });
              break;
          }
          const after = await balanceSeconds(userId);
          expect(after).toBeLessThanOrEqual(MAX);
          if (r && !r.ok) {
            expect(await snapshotCounts(em)).toEqual(before);
            expect(after).toBe(balanceBefore);
            // refused for the limit only when it would have passed it
            if (r.error.code === 'BALANCE_LIMIT_EXCEEDED') expect(balanceBefore + adds).toBeGreaterThan(MAX);
          }
          // what fits is not refused for the limit (grants and adjustments have no other reason to fail here)
          if ((op.kind === 'grant' || (op.kind === 'adjust' && op.seconds > 0)) && balanceBefore + adds <= MAX) {
            expect(r && r.ok).toBe(true);
          }
          if ((op.kind === 'grant' || (op.kind === 'adjust' && op.seconds > 0)) && balanceBefore + adds > MAX) {
            expect(r && !r.ok && r.error.code).toBe('BALANCE_LIMIT_EXCEEDED');
          }
        }
        const report = await verifyLedger({ em }, userId);
        if (!report.ok) throw new Error(`ledger invariants broken: ${JSON.stringify(report.problems)}`);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 30), endOnFailure: true },
    );
  }, 120_000);

  it("caps a period's rollover by the room left under the largest balance, and the period closes", async () => {
    const em = db.em();
    const conn = em.getConnection();
    // this test database's own plans: BUSINESS rolls over up to 6000 s
    await conn.execute(`update plans set rollover_max_seconds = 6000 where code = 'BUSINESS'`);
    try {
      const start = new Date(Date.UTC(2026, 11, 1));
      const end = new Date(start.getTime() + 3_600_000);
      const clock = new ManualClock(start);
      const d = deps(em, clock);
      const userId = await newUser(em);
      await activeMembership(em, userId, start, end, 'BUSINESS');
      unwrap(await grantPeriod(d, { userId, subscriptionId: `sub_roll_${userId.slice(0, 8)}`, planCode: 'BUSINESS', periodStart: start, periodEnd: end }));
      const [period] = await conn.execute<{ id: string }[]>('select id from usage_periods where user_id = ?', [userId]);
      // the period ends with 48,000 s unused; the account is filled to 1000 s below the largest balance meanwhile
      clock.set(new Date(end.getTime() + 1000));
      await fill(userId, MAX - 1000, clock.now(), 'fill-');
      expect(await balanceSeconds(userId)).toBe(MAX - 1000);
      const closed = unwrap(await closePeriod(d, { periodId: period!.id }));
      expect(closed.rolloverSeconds).toBe(1000);
      expect(await balanceSeconds(userId)).toBe(MAX);
      // closing again answers the first result
      const again = unwrap(await closePeriod(d, { periodId: period!.id }));
      expect(again.rolloverSeconds).toBe(1000);
    } finally {
      await conn.execute(`update plans set rollover_max_seconds = 0 where code = 'BUSINESS'`);
    }
  });
});
