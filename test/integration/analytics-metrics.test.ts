// Every analytics figure on a small fixed data set, against numbers computed by hand (in the
// comments). The data: five Europe/Berlin users over September and October 2026 —
//   A  Starter all along; 1,000 s overage in September, 600 s in October; a 30 € top-up in October
//   B  Starter, upgraded to Business on 15 October (proration paid: 10,000 c × 397 h / 745 h = 5,329 c)
//   C  Business (periods from the 15th), downgraded to Starter at its period end on 15 October; 2,000 s overage
//   D  Starter (periods from the 10th), cancelled at its period end on 10 October — churned
//   E  new: Enterprise from 5 October
//   F  no membership, bonus credits only (usage without revenue)
// and G (forecast) in November. The range asked is October in Berlin: [O, N).
import { customerEconomics } from '../../src/domain/analytics/customer-economics';
import { revenueMetrics } from '../../src/domain/analytics/revenue-metrics';
import { roi } from '../../src/domain/analytics/roi';
import { tierUsage } from '../../src/domain/analytics/tier-usage';
import { unitEconomics } from '../../src/domain/analytics/unit-economics';
import { usageForecast } from '../../src/domain/analytics/usage-forecast';
import { usageReport } from '../../src/domain/analytics/usage-report';
import type { PlanCode } from '../../src/db/entities/types';
import { closePeriod } from '../../src/domain/ledger/close-period';
import { grantPeriod } from '../../src/domain/ledger/grant-period';
import { grantPurchase } from '../../src/domain/ledger/grant-purchase';
import { grantUpgradeCredits } from '../../src/domain/ledger/grant-upgrade-credits';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { setMembership } from '../../src/domain/memberships/set-membership';
import type { MembershipStatus } from '../../src/db/entities/types';
import { ManualClock } from '../../src/shared/clock';
import { deps, newUser, newUserWithBonus, unwrap } from '../support/ledger-fixtures';
import { createTestDb, type TestDb } from '../support/test-db';

const at = (s: string) => new Date(s);
const S = at('2026-08-31T22:00:00Z'); // 1 September, Berlin midnight
const O = at('2026-09-30T22:00:00Z'); // 1 October
const N = at('2026-10-31T23:00:00Z'); // 1 November (CET again)
const D1 = [at('2026-09-09T22:00:00Z'), at('2026-10-09T22:00:00Z')] as const; // D's period, from the 10th
const C1 = [at('2026-09-14T22:00:00Z'), at('2026-10-14T22:00:00Z')] as const; // C's periods, from the 15th
const C2 = [at('2026-10-14T22:00:00Z'), at('2026-11-14T23:00:00Z')] as const;
const E1 = [at('2026-10-04T22:00:00Z'), at('2026-11-04T23:00:00Z')] as const;

let db: TestDb;
const clock = new ManualClock(at('2026-08-31T12:00:00Z'));
const ids: Record<'A' | 'B' | 'C' | 'D' | 'E' | 'F', string> = { A: '', B: '', C: '', D: '', E: '', F: '' };
const analytics = () => ({ em: db.em(), clock, cogsCentsPerMinute: 14 });

async function member(user: string, plan: PlanCode, status: MembershipStatus, period: readonly [Date, Date], eventAt: Date, cancelAtPeriodEnd = false) {
  unwrap(
    await setMembership(
      { em: db.em() },
      {
        userId: user,
        planCode: plan,
        status,
        currentPeriodStart: period[0],
        currentPeriodEnd: period[1],
        cancelAtPeriodEnd,
        stripeSubscriptionId: `sub_${user.slice(0, 8)}`,
        stripeEventAt: eventAt,
      },
    ),
  );
}

async function paid(user: string, plan: PlanCode, period: readonly [Date, Date]) {
  clock.set(period[0]);
  unwrap(
    await grantPeriod(deps(db.em(), clock), {
      userId: user,
      subscriptionId: `sub_${user.slice(0, 8)}`,
      planCode: plan,
      periodStart: period[0],
      periodEnd: period[1],
    }),
  );
}

async function use(user: string, when: string, seconds: number) {
  clock.set(at(when));
  unwrap(await recordUsage(deps(db.em(), clock), { userId: user, seconds, idempotencyKey: `use-${when}-${user.slice(0, 8)}` }));
}

async function close(user: string, periodStart: Date, when: Date) {
  clock.set(when);
  const [p] = await db
    .em()
    .getConnection()
    .execute<{ id: string }[]>('select id from usage_periods where user_id = ? and period_start = ?', [user, periodStart]);
  return unwrap(await closePeriod(deps(db.em(), clock), { periodId: p!.id }));
}

beforeAll(async () => {
  db = await createTestDb();
  const em = db.em();
  for (const k of ['A', 'B', 'C', 'D', 'E'] as const) ids[k] = await newUser(em);
  const { A, B, C, D, E } = ids;
  // September
  await member(A, 'STARTER', 'ACTIVE', [S, O], S);
  await paid(A, 'STARTER', [S, O]);
  await member(B, 'STARTER', 'ACTIVE', [S, O], S);
  await paid(B, 'STARTER', [S, O]);
  await member(D, 'STARTER', 'ACTIVE', D1, D1[0]);
  await paid(D, 'STARTER', D1);
  await member(C, 'BUSINESS', 'ACTIVE', C1, C1[0]);
  await paid(C, 'BUSINESS', C1);
  await use(A, '2026-09-20T10:00:00Z', 13_000); // 12,000 credit + 1,000 overage (500 c)
  await use(B, '2026-09-21T10:00:00Z', 6_000);
  await use(C, '2026-09-25T10:00:00Z', 30_000);
  await use(D, '2026-09-25T12:00:00Z', 11_000);
  // 1 October: A's and B's periods renew
  expect((await close(A, S, O)).overageCents).toBe(500);
  await member(A, 'STARTER', 'ACTIVE', [O, N], O);
  await paid(A, 'STARTER', [O, N]);
  await close(B, S, O);
  await member(B, 'STARTER', 'ACTIVE', [O, N], O);
  await paid(B, 'STARTER', [O, N]);
  // October
  clock.set(at('2026-10-02T10:00:00Z'));
  ids.F = await newUserWithBonus(db.em(), clock, 1_000);
  await use(ids.F, '2026-10-03T10:00:00Z', 600);
  await member(E, 'ENTERPRISE', 'ACTIVE', E1, E1[0]);
  await paid(E, 'ENTERPRISE', E1);
  await use(C, '2026-10-05T10:00:00Z', 20_000); // 18,000 credit + 2,000 overage at 25 c/min (833 c)
  await member(D, 'STARTER', 'ACTIVE', D1, at('2026-10-05T10:00:00Z'), true); // cancel at period end
  await use(E, '2026-10-06T10:00:00Z', 20_000);
  await member(D, 'STARTER', 'CANCELED', D1, D1[1], true); // churned
  await close(D, D1[0], D1[1]);
  await use(A, '2026-10-12T10:00:00Z', 12_600); // 12,000 credit + 600 overage (300 c)
  expect((await close(C, C1[0], C1[1])).overageCents).toBe(833);
  await member(C, 'STARTER', 'ACTIVE', C2, C2[0]); // downgrade at the period end
  await paid(C, 'STARTER', C2);
  await member(B, 'BUSINESS', 'ACTIVE', [O, N], at('2026-10-15T10:00:00Z')); // upgrade
  clock.set(at('2026-10-15T10:00:00Z'));
  // its proration invoice paid: (48,000 − 12,000) s × 397 h left / 745 h = 19,183 s more, at the Business rate
  const upgrade = unwrap(
    await grantUpgradeCredits(deps(db.em(), clock), {
      userId: B,
      subscriptionId: `sub_${B.slice(0, 8)}`,
      invoiceId: 'in_fixture_b_upgrade',
      fromPlan: 'STARTER',
      toPlan: 'BUSINESS',
      changedAt: at('2026-10-15T10:00:00Z'),
      periodEnd: N,
    }),
  );
  expect(upgrade?.grant.grantedSeconds).toBe(19_183);
  await use(B, '2026-10-20T10:00:00Z', 3_000);
  await use(C, '2026-10-25T10:00:00Z', 1_000);
  clock.set(at('2026-10-28T10:00:00Z'));
  unwrap(await grantPurchase(deps(db.em(), clock), { userId: A, seconds: 6_000, checkoutSessionId: 'cs_fixture_a', amountCents: 3_000 }));
  expect((await close(A, O, N)).overageCents).toBe(300);
  await close(B, O, N);
  clock.set(at('2026-11-20T12:00:00Z'));
});

afterAll(async () => {
  await db.close();
});

describe('analytics on the fixed data set (October 2026, Europe/Berlin)', () => {
  it('records every membership change in the append-only history', async () => {
    const rows = await db
      .em()
      .getConnection()
      .execute<{ kind: string; plan_code: string; status: string }[]>(
        'select kind, plan_code, status from membership_changes where user_id = ? order by effective_at, id',
        [ids.D],
      );
    expect(rows).toEqual([
      { kind: 'CREATED', plan_code: 'STARTER', status: 'ACTIVE' },
      { kind: 'CANCEL_AT_PERIOD_END', plan_code: 'STARTER', status: 'ACTIVE' },
      { kind: 'STATUS', plan_code: 'STARTER', status: 'CANCELED' },
    ]);
    const kinds = await db
      .em()
      .getConnection()
      .execute<{ kind: string }[]>(`select kind from membership_changes where user_id in (?, ?) and kind in ('UPGRADE', 'DOWNGRADE') order by kind`, [
        ids.B,
        ids.C,
      ]);
    expect(kinds.map((k) => k.kind)).toEqual(['DOWNGRADE', 'UPGRADE']);
    await expect(db.em().getConnection().execute('delete from membership_changes')).rejects.toThrow(/append-only/);
  });

  it('computes MRR, its movements, churn, ARPU, LTV and revenue', async () => {
    const m = unwrap(await revenueMetrics(analytics(), { from: O, to: N }));
    expect(m).toMatchObject({
      // at O (changes before 1 Oct): A 4,900 + trailing Sept overage 500; B 4,900; C 14,900; D 4,900
      startMrrCents: 30_100,
      // at N: A 4,900 + Oct overage 300; B 14,900 (upgraded); C 4,900 + 833 (its period ended 15 Oct); E 39,900
      endMrrCents: 65_733,
      membershipMrrCents: 64_600,
      usageMrrCents: 1_133,
      newMrrCents: 39_900, // E
      expansionMrrCents: 10_000, // B 4,900 → 14,900
      contractionMrrCents: 9_367, // A 5,400 → 5,200 (200); C 14,900 → 5,733 (9,167)
      churnedMrrCents: 4_900, // D
      startCustomers: 4,
      endCustomers: 4,
      newCustomers: 1,
      churnedCustomers: 1,
      customerChurnRateBp: 2_500, // 1 of 4
      arpuCents: 16_433, // 65,733 / 4 = 16,433.25
      // ARPU / (1/4 × 730.5 h / 745 h): 16,433 × 4 × 745 / 730.5 = 67,036.74
      ltvCents: 67_037,
      // periods starting in October: A 4,900 + 300, B 4,900 + proration 5,329, C 4,900, E 39,900; A's top-up 3,000
      revenueCents: 63_229,
      membershipRevenueCents: 59_929,
      overageRevenueCents: 300,
      topUpRevenueCents: 3_000,
    });
    expect(m.startMrrCents + m.newMrrCents + m.expansionMrrCents - m.contractionMrrCents - m.churnedMrrCents).toBe(m.endMrrCents);
  });

  it('computes per plan the share of included minutes used in the periods that ended', async () => {
    // ended in October: A Sept 13,000/12,000 = 10,833 bp (overage), B Sept 6,000/12,000 = 5,000,
    // D 11,000/12,000 = 9,167, C 50,000/48,000 = 10,417 (overage)
    expect(unwrap(await tierUsage(analytics(), { from: O, to: N }))).toEqual([
      {
        planCode: 'STARTER',
        includedSeconds: 12_000,
        customers: 3,
        periods: 3,
        averageShareBp: 8_333,
        p50ShareBp: 9_167,
        p90ShareBp: 10_833,
        overagePeriods: 1,
        overageShareBp: 3_333,
      },
      {
        planCode: 'BUSINESS',
        includedSeconds: 48_000,
        customers: 1,
        periods: 1,
        averageShareBp: 10_417,
        p50ShareBp: 10_417,
        p90ShareBp: 10_417,
        overagePeriods: 1,
        overageShareBp: 10_000,
      },
      {
        planCode: 'ENTERPRISE',
        includedSeconds: 150_000,
        customers: 0,
        periods: 0,
        averageShareBp: null,
        p50ShareBp: null,
        p90ShareBp: null,
        overagePeriods: 0,
        overageShareBp: null,
      },
    ]);
  });

  it('computes per customer revenue, cost of goods at 14 c/min and margin, least profitable first, paged', async () => {
    const all = unwrap(await customerEconomics(analytics(), { from: O, to: N, first: 10 }));
    expect(all.totalCount).toBe(5);
    const { A, B, C, E, F } = ids;
    expect(all.items).toEqual([
      // 600 s × 14 / 60 = 140
      {
        userId: F,
        planCode: null,
        revenueCents: 0,
        membershipRevenueCents: 0,
        overageRevenueCents: 0,
        topUpRevenueCents: 0,
        calls: 1,
        usedSeconds: 600,
        costCents: 140,
        marginCents: -140,
        marginBp: null,
      },
      // 21,000 s → 4,900 c of cost against the 4,900 c Starter fee
      {
        userId: C,
        planCode: 'STARTER',
        revenueCents: 4_900,
        membershipRevenueCents: 4_900,
        overageRevenueCents: 0,
        topUpRevenueCents: 0,
        calls: 2,
        usedSeconds: 21_000,
        costCents: 4_900,
        marginCents: 0,
        marginBp: 0,
      },
      // 12,600 s → 2,940; 5,260 / 8,200 = 6,415 bp
      {
        userId: A,
        planCode: 'STARTER',
        revenueCents: 8_200,
        membershipRevenueCents: 4_900,
        overageRevenueCents: 300,
        topUpRevenueCents: 3_000,
        calls: 1,
        usedSeconds: 12_600,
        costCents: 2_940,
        marginCents: 5_260,
        marginBp: 6_415,
      },
      // 4,900 + 5,329 = 10,229; 3,000 s → 700; 9,529 / 10,229 = 9,316 bp
      {
        userId: B,
        planCode: 'BUSINESS',
        revenueCents: 10_229,
        membershipRevenueCents: 10_229,
        overageRevenueCents: 0,
        topUpRevenueCents: 0,
        calls: 1,
        usedSeconds: 3_000,
        costCents: 700,
        marginCents: 9_529,
        marginBp: 9_316,
      },
      // 20,000 s → 4,666.67 → 4,667; 35,233 / 39,900 = 8,830 bp
      {
        userId: E,
        planCode: 'ENTERPRISE',
        revenueCents: 39_900,
        membershipRevenueCents: 39_900,
        overageRevenueCents: 0,
        topUpRevenueCents: 0,
        calls: 1,
        usedSeconds: 20_000,
        costCents: 4_667,
        marginCents: 35_233,
        marginBp: 8_830,
      },
    ]);
    const first = unwrap(await customerEconomics(analytics(), { from: O, to: N, first: 2 }));
    expect(first.items.map((i) => i.userId)).toEqual([F, C]);
    expect(first.hasNextPage).toBe(true);
    const last = first.items.at(-1)!;
    const second = unwrap(await customerEconomics(analytics(), { from: O, to: N, first: 2, after: { marginCents: last.marginCents, userId: last.userId } }));
    expect(second.items.map((i) => i.userId)).toEqual([A, B]);
    const end = second.items.at(-1)!;
    const third = unwrap(await customerEconomics(analytics(), { from: O, to: N, first: 2, after: { marginCents: end.marginCents, userId: end.userId } }));
    expect(third.items.map((i) => i.userId)).toEqual([E]);
    expect(third.hasNextPage).toBe(false);
    expect(third.totalCount).toBe(5);
  });

  it('reads whole local months from the monthly rollup and the partial months at the edges day by day', async () => {
    const raw = async (from: Date, to: Date) =>
      Object.fromEntries(
        (
          await db
            .em()
            .getConnection()
            .execute<{ user_id: string; used: number }[]>(
              `select r.user_id, sum(r.used_seconds)::int as used from usage_records r join users u on u.id = r.user_id
        where ((r.occurred_at at time zone u.time_zone)::date)::timestamp at time zone u.time_zone >= ?
          and ((r.occurred_at at time zone u.time_zone)::date)::timestamp at time zone u.time_zone < ?
        group by 1`,
              [from, to],
            )
        ).map((r) => [r.user_id, r.used]),
      );
    const ranges: [string, string][] = [
      ['2026-10-04T22:00:00Z', '2026-10-25T22:00:00Z'], // 5–26 October, inside one month
      ['2026-09-19T22:00:00Z', '2026-10-12T22:00:00Z'], // 20 September – 13 October, two partial months
      ['2026-09-19T22:00:00Z', '2026-11-14T23:00:00Z'], // a partial month, October whole, a partial month
      ['2026-08-31T22:00:00Z', '2026-10-31T23:00:00Z'], // September and October whole
      ['2026-09-20T10:00:00Z', '2026-10-12T09:00:00Z'], // not at midnight: days that start inside count
    ];
    for (const [f, t] of ranges) {
      const page = unwrap(await customerEconomics(analytics(), { from: at(f), to: at(t), first: 100 }));
      const used = Object.fromEntries(page.items.filter((i) => i.usedSeconds > 0).map((i) => [i.userId, i.usedSeconds]));
      expect([f, t, used]).toEqual([f, t, await raw(at(f), at(t))]);
    }
  });

  it('computes unit economics per plan as in the business case (Starter 24.5 c per included minute against 14 c)', async () => {
    const u = unwrap(await unitEconomics(analytics(), { from: O, to: N }));
    expect(u.costPerMinuteMillicents).toBe(14_000);
    expect(u.plans).toEqual([
      // revenue: A 4,900 + 300 + top-up 3,000, C 4,900 = 13,100; used: A 12,600 + C (after the downgrade) 1,000 = 13,600 s;
      // 13,100 c / 226.67 min = 57.79 c/min; cost 13,600 × 14 / 60 = 3,173.33
      {
        planCode: 'STARTER',
        priceCents: 4_900,
        includedSeconds: 12_000,
        overageCentsPerMinute: 30,
        listPricePerIncludedMinuteMillicents: 24_500,
        listMarginBp: 4_286,
        overageMarginBp: 5_333,
        customers: 2,
        revenueCents: 13_100,
        usedSeconds: 13_600,
        revenuePerUsedMinuteMillicents: 57_794,
        costCents: 3_173,
        marginCents: 9_927,
        marginBp: 7_578,
      },
      // 149 € / 800 min = 18.625 c; B's upgraded October period (4,900 + 5,329) and its 3,000 s after the upgrade,
      // C's 20,000 s in October in its Business period (whose fee was September's): 10,229 c / 383.33 min = 26.68 c
      {
        planCode: 'BUSINESS',
        priceCents: 14_900,
        includedSeconds: 48_000,
        overageCentsPerMinute: 25,
        listPricePerIncludedMinuteMillicents: 18_625,
        listMarginBp: 2_483,
        overageMarginBp: 4_400,
        customers: 1,
        revenueCents: 10_229,
        usedSeconds: 23_000,
        revenuePerUsedMinuteMillicents: 26_684,
        costCents: 5_367,
        marginCents: 4_862,
        marginBp: 4_753,
      },
      // 399 € / 2,500 min = 15.96 c; 39,900 c / 333.33 min = 119.7 c
      {
        planCode: 'ENTERPRISE',
        priceCents: 39_900,
        includedSeconds: 150_000,
        overageCentsPerMinute: 20,
        listPricePerIncludedMinuteMillicents: 15_960,
        listMarginBp: 1_228,
        overageMarginBp: 3_000,
        customers: 1,
        revenueCents: 39_900,
        usedSeconds: 20_000,
        revenuePerUsedMinuteMillicents: 119_700,
        costCents: 4_667,
        marginCents: 35_233,
        marginBp: 8_830,
      },
    ]);
    expect(u.unattributedUsedSeconds).toBe(600);
    expect(u.unattributedCostCents).toBe(140);
  });

  it("computes a customer's ROI against people at 30 €/h, for October and for all time", async () => {
    // October: 12,600 s = 210 min → 10,500 c of people; spent 8,200 → saved 2,300 (2,805 bp)
    expect(unwrap(await roi(analytics(), { userId: ids.A, agentCostCentsPerHour: 3_000, from: O, to: N }))).toMatchObject({
      calls: 1,
      handledSeconds: 12_600,
      handledMinutes: 210,
      humanCostCents: 10_500,
      spendCents: 8_200,
      savingsCents: 2_300,
      returnBp: 2_805,
    });
    // all time: 25,600 s → 21,333 c; spent 4,900 + 500 + 4,900 + 300 + 3,000 = 13,600 → saved 7,733 (5,686 bp)
    expect(unwrap(await roi(analytics(), { userId: ids.A, agentCostCentsPerHour: 3_000 }))).toMatchObject({
      from: null,
      to: null,
      calls: 2,
      handledSeconds: 25_600,
      handledMinutes: 426,
      humanCostCents: 21_333,
      spendCents: 13_600,
      savingsCents: 7_733,
      returnBp: 5_686,
    });
    const bad = await roi(analytics(), { userId: ids.A, agentCostCentsPerHour: -1 });
    expect(bad.ok ? 'OK' : bad.error.code).toBe('INVALID_ARGUMENT');
  });

  it("answers A's usage per month with the overage cents of each bucket", async () => {
    const r = unwrap(await usageReport(analytics(), { userId: ids.A, granularity: 'MONTH', from: S, to: N }));
    expect(
      r.buckets.map(({ localDate, calls, usedSeconds, billableSeconds, creditSeconds, overageSeconds, overageCents }) => ({
        localDate,
        calls,
        usedSeconds,
        billableSeconds,
        creditSeconds,
        overageSeconds,
        overageCents,
      })),
    ).toEqual([
      { localDate: '2026-09-01', calls: 1, usedSeconds: 13_000, billableSeconds: 13_000, creditSeconds: 12_000, overageSeconds: 1_000, overageCents: 500 },
      { localDate: '2026-10-01', calls: 1, usedSeconds: 12_600, billableSeconds: 12_600, creditSeconds: 12_000, overageSeconds: 600, overageCents: 300 },
    ]);
  });
});

describe('usageForecast', () => {
  it('projects a steady 600 s a day to the period end: overage beyond the credits, and the day the balance runs out', async () => {
    const g = await newUser(db.em());
    const period = [N, at('2026-11-30T23:00:00Z')] as const;
    await member(g, 'STARTER', 'ACTIVE', period, N);
    await paid(g, 'STARTER', period);
    for (let day = 1; day <= 10; day++) await use(g, `2026-11-${String(day).padStart(2, '0')}T10:00:00Z`, 600);
    clock.set(at('2026-11-11T11:00:00Z'));
    const f = unwrap(await usageForecast(analytics(), { userId: g }));
    expect(f).toMatchObject({
      periodStart: N,
      periodEnd: period[1],
      includedSeconds: 12_000,
      usedSeconds: 6_000,
      overageSeconds: 0,
      overageCents: 0,
      balanceSeconds: 6_000,
      availableSeconds: 6_000,
      dailyRateSeconds: 600,
      basisDays: 10,
      halfLifeDays: 7,
      // 19.5 days left × 600 s = 11,700 s: 6,000 from credits, 5,700 overage × 30 c / 60 = 2,850 c
      projectedAdditionalSeconds: 11_700,
      projectedUsedSeconds: 17_700,
      projectedOverageSeconds: 5_700,
      projectedOverageCents: 2_850,
      // 6,000 s at 600 s a day: 10 days
      balanceRunsOutAt: at('2026-11-21T11:00:00Z'),
    });
  });

  it('answers USER_NOT_FOUND for an unknown user', async () => {
    const r = await usageForecast(analytics(), { userId: '00000000-0000-4000-8000-000000000000' });
    expect(r.ok ? 'OK' : r.error.code).toBe('USER_NOT_FOUND');
  });
});
