import {
  centsFromSixtieths,
  divRound,
  forecast,
  ltvCents,
  mrrMovements,
  nearestRank,
  perMinuteMillicents,
  ratioBp,
  weightedDailyRate,
} from '../../src/domain/analytics/rules';

describe('analytics rules', () => {
  it.each([
    [7, 2, 4],
    [5, 2, 3],
    [-5, 2, -3],
    [-7, 2, -4],
    [1, 3, 0],
    [2, 3, 1],
    [0, 5, 0],
    [10, -4, -3],
    [Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER],
  ])('divRound(%i, %i) = %i (half away from zero, exact)', (n, d, q) => {
    expect(divRound(n, d)).toBe(q);
  });

  it.each([
    [1, 4, 2500],
    [1, 3, 3333],
    [2, 3, 6667],
    [5260, 8200, 6415],
    [-140, 1000, -1400],
    [0, 7, 0],
    [3, 0, null],
  ])('ratioBp(%i, %i) = %p', (n, d, bp) => {
    expect(ratioBp(n, d)).toBe(bp);
  });

  it.each([
    // the business case: 49 € for 200 minutes = 24.5 c/min
    [4900, 12_000, 24_500],
    [14_900, 48_000, 18_625],
    [39_900, 150_000, 15_960],
    [18_000, 16_600, 65_060],
    [100, 0, null],
  ])('perMinuteMillicents(%i c, %i s) = %p', (c, s, m) => {
    expect(perMinuteMillicents(c, s)).toBe(m);
  });

  it.each([
    [0, 0],
    [29, 0],
    [30, 1],
    [89, 1],
    [90, 2],
    [18_000, 300],
    [1234 * 30, 617],
  ])('centsFromSixtieths(%i) = %i', (x, c) => {
    expect(centsFromSixtieths(x)).toBe(c);
  });

  it.each([
    [[5000, 9167, 10833], 50, 9167],
    [[5000, 9167, 10833], 90, 10833],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 90, 4],
    [[7], 90, 7],
    [[], 50, null],
  ])('nearestRank(%p, p%i) = %p', (sorted, p, v) => {
    expect(nearestRank(sorted, p)).toBe(v);
  });

  it('weights the newest day 1 and a day one half-life older 1/2', () => {
    expect(weightedDailyRate([])).toBe(0);
    expect(weightedDailyRate([600, 600, 600])).toBeCloseTo(600, 9);
    // eight days, the oldest one half-life (7 days) before the newest: it weighs exactly 1/2
    const eight = [0, 0, 0, 0, 0, 0, 0, 900];
    const weights = eight.map((_, i) => 2 ** (-(7 - i) / 7));
    expect(weights[0]).toBe(0.5);
    expect(weightedDailyRate(eight)).toBeCloseTo(900 / weights.reduce((a, b) => a + b, 0), 9);
    expect(weightedDailyRate([900, 0, 0, 0, 0, 0, 0, 0])).toBeCloseTo(450 / weights.reduce((a, b) => a + b, 0), 9);
    // a recent jump moves the rate more than an old one
    expect(weightedDailyRate([1000, 0, 0, 0, 0, 0, 0])).toBeLessThan(weightedDailyRate([0, 0, 0, 0, 0, 0, 1000]));
  });

  const NOW = new Date('2026-11-11T00:00:00Z');
  const END = new Date('2026-11-21T00:00:00Z'); // 10 days left
  const period = { end: END, usedSeconds: 6000, overageSeconds: 0, overageEligible: true, overageMaxSeconds: 9800, rateCentsPerMinute: 30, limitCents: 4900 };

  it.each([
    [
      'credits cover it',
      500,
      6000,
      period,
      { projectedAdditionalSeconds: 5000, projectedUsedSeconds: 11_000, projectedOverageSeconds: 0, projectedOverageCents: 0, balanceRunsOutAt: null },
    ],
    [
      'overage beyond the credits',
      1000,
      6000,
      period,
      {
        projectedAdditionalSeconds: 10_000,
        projectedUsedSeconds: 16_000,
        projectedOverageSeconds: 4000,
        projectedOverageCents: 2000,
        balanceRunsOutAt: new Date('2026-11-17T00:00:00Z'),
      },
    ],
    [
      'the cap stops the overage',
      3000,
      6000,
      period,
      {
        projectedAdditionalSeconds: 30_000,
        projectedUsedSeconds: 36_000,
        projectedOverageSeconds: 9800,
        projectedOverageCents: 4900,
        balanceRunsOutAt: new Date('2026-11-13T00:00:00Z'),
      },
    ],
    [
      'no overage without an eligible membership',
      1000,
      6000,
      { ...period, overageEligible: false, overageMaxSeconds: 0 },
      { projectedAdditionalSeconds: 10_000, projectedOverageSeconds: 0, projectedOverageCents: 0 },
    ],
    [
      'no usage, no end of the balance',
      0,
      6000,
      period,
      { projectedAdditionalSeconds: 0, projectedUsedSeconds: 6000, projectedOverageSeconds: 0, balanceRunsOutAt: null },
    ],
    ['already out of credits', 100, 0, period, { balanceRunsOutAt: NOW, projectedOverageSeconds: 1000, projectedOverageCents: 500 }],
    [
      'no period: only when the balance runs out',
      1000,
      5000,
      null,
      {
        projectedAdditionalSeconds: 0,
        projectedUsedSeconds: null,
        projectedOverageSeconds: null,
        projectedOverageCents: null,
        balanceRunsOutAt: new Date('2026-11-16T00:00:00Z'),
      },
    ],
  ] as const)('forecast: %s', (_name, rate, available, p, expected) => {
    expect(forecast({ now: NOW, dailyRateSeconds: rate, availableSeconds: available, period: p })).toMatchObject(expected);
  });

  it('classifies MRR movements and keeps end = start + new + expansion − contraction − churned', () => {
    const start = new Map([
      ['a', 4900],
      ['b', 4900],
      ['c', 14_900],
      ['d', 4900],
    ]);
    const end = new Map([
      ['a', 4900],
      ['b', 14_900],
      ['c', 4900],
      ['e', 39_900],
    ]);
    const m = mrrMovements(start, end);
    expect(m).toEqual({
      startMrrCents: 29_600,
      endMrrCents: 64_600,
      newMrrCents: 39_900,
      expansionMrrCents: 10_000,
      contractionMrrCents: 10_000,
      churnedMrrCents: 4900,
      startCustomers: 4,
      endCustomers: 4,
      newCustomers: 1,
      churnedCustomers: 1,
    });
    expect(m.startMrrCents + m.newMrrCents + m.expansionMrrCents - m.contractionMrrCents - m.churnedMrrCents).toBe(m.endMrrCents);
  });

  it('LTV = ARPU / monthly churn, none without churn', () => {
    const month = (365.25 / 12) * 86_400_000;
    expect(ltvCents(10_000, 10, 1, month)).toBe(100_000); // 10 % a month → 10 months
    expect(ltvCents(10_000, 10, 1, 2 * month)).toBe(200_000); // 10 % in two months = 5 % a month
    expect(ltvCents(10_000, 10, 0, month)).toBeNull();
    expect(ltvCents(10_000, 0, 0, month)).toBeNull();
  });
});
