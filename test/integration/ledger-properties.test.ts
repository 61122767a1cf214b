// Property-based: random sequences of every ledger operation, time passing, period closes and
// replays of earlier keys. After every step all invariants of billing rules §6 must hold; a
// failed step must have written nothing; a replay must answer exactly what the original did.
import fc from 'fast-check';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { reserveCredits } from '../../src/domain/ledger/reserve-credits';
import { extendReservation } from '../../src/domain/ledger/extend-reservation';
import { commitReservation } from '../../src/domain/ledger/commit-reservation';
import { releaseReservation } from '../../src/domain/ledger/release-reservation';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { grantPeriod } from '../../src/domain/ledger/grant-period';
import { refundUsage } from '../../src/domain/ledger/refund-usage';
import { adjustCredits } from '../../src/domain/ledger/adjust-credits';
import { closePeriod } from '../../src/domain/ledger/close-period';
import { expireDue } from '../../src/domain/ledger/expire-due';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { ManualClock } from '../../src/shared/clock';
import type { Result } from '../../src/shared/errors';
import { createTestDb, type TestDb } from '../support/test-db';
import { deps, newUser, snapshotCounts, unwrap } from '../support/ledger-fixtures';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

const PERIOD_SECONDS = 3600;

type Op =
  | { kind: 'grant'; seconds: number; source: 'BONUS' | 'PURCHASE'; expiresInSeconds: number | null }
  | { kind: 'usage'; seconds: number }
  | { kind: 'reserve'; seconds: number; ttlSeconds: number }
  | { kind: 'extend'; hold: number; seconds: number; ttlSeconds: number }
  | { kind: 'commit'; hold: number; usedSeconds: number }
  | { kind: 'release'; hold: number }
  | { kind: 'refund'; usage: number; seconds: number }
  | { kind: 'adjust'; seconds: number }
  | { kind: 'advance'; seconds: number }
  | { kind: 'sweep' }
  | { kind: 'closePeriod' }
  | { kind: 'replay'; index: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('grant' as const),
      seconds: fc.integer({ min: 1, max: 3000 }),
      source: fc.constantFrom('BONUS' as const, 'PURCHASE' as const),
      expiresInSeconds: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('usage' as const), seconds: fc.integer({ min: 1, max: 2000 }) }), weight: 4 },
  {
    arbitrary: fc.record({ kind: fc.constant('reserve' as const), seconds: fc.integer({ min: 1, max: 2000 }), ttlSeconds: fc.integer({ min: 1, max: 900 }) }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('extend' as const),
      hold: fc.nat(20),
      seconds: fc.integer({ min: 0, max: 800 }),
      ttlSeconds: fc.integer({ min: 1, max: 900 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('commit' as const), hold: fc.nat(20), usedSeconds: fc.integer({ min: 0, max: 3000 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('release' as const), hold: fc.nat(20) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('refund' as const), usage: fc.nat(20), seconds: fc.integer({ min: 1, max: 1500 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('adjust' as const), seconds: fc.integer({ min: -1500, max: 1500 }).filter((s) => s !== 0) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 2400 }) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'sweep' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'closePeriod' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('replay' as const), index: fc.nat(40) }), weight: 3 },
);

const scenarioArb = fc.record({
  withMembership: fc.boolean(),
  overageLimitCents: fc.constantFrom(null, 0, 10, 300),
  ops: fc.array(opArb, { minLength: 1, maxLength: 25 }),
});

describe('ledger properties', () => {
  it('keeps every invariant through random operations, failures and replays', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb, async (scenario) => {
        run += 1;
        const em = db.em();
        const clock = new ManualClock(new Date(Date.UTC(2026, 10, 1, 0, 0, 0) + run * 86_400_000));
        const d = deps(em, clock);
        const userId = await newUser(em);
        let periodStart = clock.now();
        let periodEnd = new Date(periodStart.getTime() + PERIOD_SECONDS * 1000);
        const sub = `sub_prop_${run}`;
        if (scenario.withMembership) {
          unwrap(
            await setMembership(
              { em },
              {
                userId,
                planCode: 'STARTER',
                status: 'ACTIVE',
                currentPeriodStart: periodStart,
                currentPeriodEnd: periodEnd,
                overageLimitCents: scenario.overageLimitCents,
              },
            ),
          );
          unwrap(await grantPeriod(d, { userId, subscriptionId: sub, planCode: 'STARTER', periodStart, periodEnd }));
        }
        const holds: string[] = [];
        const usages: string[] = [];
        const keyed: { call: () => Promise<Result<unknown>>; first: Result<unknown> }[] = [];
        let step = 0;

        const keyedCall = async (call: () => Promise<Result<unknown>>) => {
          const first = await call();
          if (first.ok) keyed.push({ call, first });
          return first;
        };

        for (const op of scenario.ops) {
          step += 1;
          const key = `k-${run}-${step}`;
          const before = await snapshotCounts(em);
          let r: Result<unknown> | null = null;
          switch (op.kind) {
            case 'grant': {
              const expiresAt = op.expiresInSeconds === null ? null : new Date(clock.now().getTime() + op.expiresInSeconds * 1000);
              r = await keyedCall(() => grantCredits(d, { userId, seconds: op.seconds, source: op.source, idempotencyKey: key, expiresAt }));
              break;
            }
            case 'usage': {
              r = await keyedCall(() => recordUsage(d, { userId, seconds: op.seconds, idempotencyKey: key }));
              const tx = r.ok ? (r.value as { transaction: { id: string } | null }).transaction : null;
              if (tx) usages.push(tx.id);
              break;
            }
            case 'reserve':
              r = await keyedCall(() => reserveCredits(d, { userId, seconds: op.seconds, ttlSeconds: op.ttlSeconds, idempotencyKey: key }));
              if (r.ok) holds.push((r.value as { reservation: { id: string } }).reservation.id);
              break;
            case 'extend':
              if (holds.length) {
                const reservationId = holds[op.hold % holds.length]!;
                r = await keyedCall(() => extendReservation(d, { reservationId, seconds: op.seconds, ttlSeconds: op.ttlSeconds, idempotencyKey: key }));
              }
              break;
            case 'commit':
              if (holds.length) {
                const reservationId = holds[op.hold % holds.length]!;
                r = await keyedCall(() => commitReservation(d, { reservationId, usedSeconds: op.usedSeconds }));
                const tx = r.ok ? (r.value as { transaction: { id: string } | null }).transaction : null;
                if (tx) usages.push(tx.id);
              }
              break;
            case 'release':
              if (holds.length) {
                const reservationId = holds[op.hold % holds.length]!;
                r = await releaseReservation(d, { reservationId });
              }
              break;
            case 'refund':
              if (usages.length) {
                const transactionId = usages[op.usage % usages.length]!;
                r = await keyedCall(() => refundUsage(d, { transactionId, seconds: op.seconds, idempotencyKey: key, reason: 'test' }));
              }
              break;
            case 'adjust':
              r = await keyedCall(() => adjustCredits(d, { userId, seconds: op.seconds, reason: 'property test', idempotencyKey: key }));
              break;
            case 'advance':
              clock.advanceSeconds(op.seconds);
              break;
            case 'sweep':
              await expireDue(d, 1000);
              break;
            case 'closePeriod':
              if (scenario.withMembership) {
                if (clock.now() < periodEnd) clock.set(periodEnd);
                const [p] = await em
                  .getConnection()
                  .execute<{ id: string }[]>('select id from usage_periods where user_id = ? and period_start = ?', [userId, periodStart]);
                const closed = unwrap(await closePeriod(d, { periodId: p!.id }));
                expect(closed.overageCents).toBeLessThanOrEqual(scenario.overageLimitCents ?? 4900);
                periodStart = periodEnd;
                periodEnd = new Date(periodStart.getTime() + PERIOD_SECONDS * 1000);
                unwrap(
                  await setMembership(
                    { em },
                    {
                      userId,
                      planCode: 'STARTER',
                      status: 'ACTIVE',
                      currentPeriodStart: periodStart,
                      currentPeriodEnd: periodEnd,
                    },
                  ),
                );
                unwrap(await grantPeriod(d, { userId, subscriptionId: sub, planCode: 'STARTER', periodStart, periodEnd }));
              }
              break;
            case 'replay':
              if (keyed.length) {
                const earlier = keyed[op.index % keyed.length]!;
                const again = await earlier.call();
                expect(again).toEqual(earlier.first);
                // a replay adds no effect (it may only settle what came due meanwhile)
              }
              break;
          }
          if (r && !r.ok) expect(await snapshotCounts(em)).toEqual(before);
          const report = await verifyLedger({ em }, userId);
          if (!report.ok) throw new Error(`invariants broken after step ${step} (${op.kind}): ${JSON.stringify(report.problems)}`);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 100), endOnFailure: true },
    );
  });
});
