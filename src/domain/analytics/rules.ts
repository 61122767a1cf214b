// Pure rules of analytics, free of I/O and tested as tables: rounding of ratios to basis points,
// the recency-weighted daily rate and the forecast built on it, MRR movements between two moments,
// LTV. Money stays integer cents; ratios are integer basis points (1 bp = 0.01 %), rates per
// minute integer millicents (1/1000 cent), rounded half away from zero.
import { costCents, overageCents } from '../ledger/rules';

export const BP = 10_000;
export const MILLICENTS_PER_CENT = 1000;
export const SECONDS_PER_DAY = 86_400;
/** Average Gregorian month, for turning a churn rate over any range into a monthly one. */
export const MONTH_MS = (365.25 / 12) * SECONDS_PER_DAY * 1000;

/** Forecast: exponential weights with this half-life over at most this many complete days. */
export const FORECAST_HALF_LIFE_DAYS = 7;
export const FORECAST_WINDOW_DAYS = 28;

/** round(num / den) half away from zero, exactly (BigInt), for integers of any safe size. */
export function divRound(num: number, den: number): number {
  if (den === 0) throw new Error('divRound: division by zero');
  const n = BigInt(num);
  const d = BigInt(den);
  const neg = n < 0n !== d < 0n && n !== 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (2n * an + ad) / (2n * ad);
  return Number(neg ? -q : q);
}

/** num / den in basis points, or null when den is 0. */
export function ratioBp(num: number, den: number): number | null {
  return den === 0 ? null : divRound(num * BP, den);
}

/** Cents per minute in millicents: cents / (seconds / 60) x 1000; null without seconds. */
export function perMinuteMillicents(cents: number, seconds: number): number | null {
  return seconds === 0 ? null : divRound(cents * 60 * MILLICENTS_PER_CENT, seconds);
}

/** A bucket's overage cents from its exact cost in 1/60 cent: rounded half up once. */
export function centsFromSixtieths(sixtiethCents: number): number {
  return divRound(sixtiethCents, 60);
}

/** Cost of goods of the seconds used, at cents per minute, rounded half up once. */
export function cogsCents(usedSeconds: number, cogsCentsPerMinute: number): number {
  return costCents(usedSeconds, cogsCentsPerMinute);
}

/** Equivalent human cost of the seconds handled at cents per hour, rounded half up. */
export function humanCostCents(handledSeconds: number, agentCostCentsPerHour: number): number {
  return divRound(handledSeconds * agentCostCentsPerHour, 3600);
}

/** Nearest-rank percentile (an observed value): the smallest x with at least p % of values <= x. */
export function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Recency-weighted daily rate: the weighted mean of the given complete days' seconds, newest
 * last, where a day k days before today (k = 1 for yesterday) weighs 2^(-(k-1)/halfLife). Days
 * without usage count as 0. No days → 0.
 */
export function weightedDailyRate(dailySeconds: readonly number[], halfLifeDays = FORECAST_HALF_LIFE_DAYS): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < dailySeconds.length; i++) {
    const k = dailySeconds.length - i; // 1 for the newest
    const w = 2 ** (-(k - 1) / halfLifeDays);
    num += w * dailySeconds[i]!;
    den += w;
  }
  return den === 0 ? 0 : num / den;
}

export interface ForecastInput {
  now: Date;
  /** Seconds per day from weightedDailyRate. */
  dailyRateSeconds: number;
  availableSeconds: number;
  period: {
    end: Date;
    usedSeconds: number;
    overageSeconds: number;
    /** Overage possible (ACTIVE in an open period; never during a trial) and how much the cap allows in all. */
    overageEligible: boolean;
    overageMaxSeconds: number;
    rateCentsPerMinute: number;
    limitCents: number;
  } | null;
}

export interface ForecastOutput {
  projectedAdditionalSeconds: number;
  projectedUsedSeconds: number | null;
  projectedOverageSeconds: number | null;
  projectedOverageCents: number | null;
  /** When the available seconds reach 0 at this rate; null if never, or not before the period ends. */
  balanceRunsOutAt: Date | null;
}

/**
 * Projects the current rate to the period end: the additional seconds use the available credits
 * first, the rest becomes overage up to what the cap allows (usage past it would be refused).
 */
export function forecast(input: ForecastInput): ForecastOutput {
  const rate = Math.max(0, input.dailyRateSeconds);
  const nowMs = input.now.getTime();
  const p = input.period;
  const horizonDays = p ? Math.max(0, p.end.getTime() - nowMs) / (SECONDS_PER_DAY * 1000) : 0;
  const additional = Math.round(rate * horizonDays);
  let runsOut: Date | null = null;
  if (input.availableSeconds <= 0) runsOut = new Date(nowMs);
  else if (rate > 0) runsOut = new Date(nowMs + Math.round((input.availableSeconds / rate) * SECONDS_PER_DAY * 1000));
  if (runsOut && p && runsOut.getTime() >= p.end.getTime()) runsOut = null;
  if (!p) {
    return { projectedAdditionalSeconds: 0, projectedUsedSeconds: null, projectedOverageSeconds: null, projectedOverageCents: null, balanceRunsOutAt: runsOut };
  }
  const beyondCredits = Math.max(0, additional - Math.max(0, input.availableSeconds));
  const overage = p.overageEligible ? Math.max(p.overageSeconds, Math.min(p.overageSeconds + beyondCredits, p.overageMaxSeconds)) : p.overageSeconds;
  return {
    projectedAdditionalSeconds: additional,
    projectedUsedSeconds: p.usedSeconds + additional,
    projectedOverageSeconds: overage,
    projectedOverageCents: overageCents(overage, p.rateCentsPerMinute, p.limitCents),
    balanceRunsOutAt: runsOut,
  };
}

export interface MrrMovements {
  startMrrCents: number;
  endMrrCents: number;
  newMrrCents: number;
  expansionMrrCents: number;
  contractionMrrCents: number;
  churnedMrrCents: number;
  startCustomers: number;
  endCustomers: number;
  newCustomers: number;
  churnedCustomers: number;
}

/**
 * Movements between two moments from each customer's MRR at both (absent or 0 = not paying):
 * new (0 → x), churned (x → 0), expansion / contraction (x → y, y > x / y < x).
 * end = start + new + expansion − contraction − churned, always.
 */
export function mrrMovements(start: ReadonlyMap<string, number>, end: ReadonlyMap<string, number>): MrrMovements {
  const m: MrrMovements = {
    startMrrCents: 0,
    endMrrCents: 0,
    newMrrCents: 0,
    expansionMrrCents: 0,
    contractionMrrCents: 0,
    churnedMrrCents: 0,
    startCustomers: 0,
    endCustomers: 0,
    newCustomers: 0,
    churnedCustomers: 0,
  };
  const ids = new Set([...start.keys(), ...end.keys()]);
  for (const id of ids) {
    const a = start.get(id) ?? 0;
    const b = end.get(id) ?? 0;
    const wasPaying = start.has(id);
    const isPaying = end.has(id);
    m.startMrrCents += a;
    m.endMrrCents += b;
    if (wasPaying) m.startCustomers += 1;
    if (isPaying) m.endCustomers += 1;
    if (!wasPaying && isPaying) {
      m.newCustomers += 1;
      m.newMrrCents += b;
    } else if (wasPaying && !isPaying) {
      m.churnedCustomers += 1;
      m.churnedMrrCents += a;
    } else if (b > a) m.expansionMrrCents += b - a;
    else m.contractionMrrCents += a - b;
  }
  return m;
}

/**
 * LTV = ARPU / monthly customer churn, where the monthly churn is the range's churn scaled to an
 * average month: churned / startCustomers × MONTH / rangeLength. Null without churn (unbounded).
 */
export function ltvCents(arpuCents: number, startCustomers: number, churnedCustomers: number, rangeMs: number): number | null {
  if (churnedCustomers === 0 || startCustomers === 0 || rangeMs <= 0) return null;
  return Math.round((arpuCents * startCustomers * rangeMs) / (churnedCustomers * MONTH_MS));
}

export { costCents };
