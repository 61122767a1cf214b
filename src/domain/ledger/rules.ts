// Pure decision rules of billing (billing rules §1, §3, §4), free of I/O and tested as tables.
// The ledger functions in the database apply the same rules inside the user's lock (src/db/sql/):
// test/integration/sql-rules.test.ts holds each SQL function to its twin here on random inputs
// (costCents: vp_overage_cents, overageMaxSeconds: vp_overage_max_seconds, billedSeconds:
// vp_round_up, compareConsumptionOrder: vp_consume's order).

export const SECONDS_PER_MINUTE = 60;

/** Billed seconds of a call: used seconds rounded up to the plan's billing increment. */
export function billedSeconds(usedSeconds: number, usageIncrementSeconds: number): number {
  return Math.ceil(usedSeconds / usageIncrementSeconds) * usageIncrementSeconds;
}

/** Cost of N seconds at a per-minute rate, rounded half up once (per invoice line). */
export function costCents(seconds: number, centsPerMinute: number): number {
  // round half up of seconds * rate / 60, in integers: floor((2 * s * r + 60) / 120)
  return Math.floor((2 * seconds * centsPerMinute + SECONDS_PER_MINUTE) / (2 * SECONDS_PER_MINUTE));
}

/** Overage cents of a period: the cost, never more than the user's limit. */
export function overageCents(overageSeconds: number, centsPerMinute: number, limitCents: number): number {
  return Math.min(costCents(overageSeconds, centsPerMinute), limitCents);
}

/** Largest overage (seconds) whose rounded cost stays within the limit; 0 when the limit is 0. */
export function overageMaxSeconds(limitCents: number, centsPerMinute: number): number {
  if (limitCents <= 0) return 0;
  return Math.ceil(((2 * limitCents + 1) * 30) / centsPerMinute) - 1;
}

export interface GrantForOrder {
  id: string;
  expiresAt: Date | null;
  createdAt: Date;
}

/** Consumption order: earliest expiry first, no expiry last, then oldest, then id. */
export function compareConsumptionOrder(a: GrantForOrder, b: GrantForOrder): number {
  const ea = a.expiresAt ? a.expiresAt.getTime() : Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ? b.expiresAt.getTime() : Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  if (a.createdAt.getTime() !== b.createdAt.getTime()) return a.createdAt.getTime() - b.createdAt.getTime();
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
