// The simulator's reference model: what the billing rules (../shared/product/billing-rules.md
// §3–§5) say one customer's account must hold, written from the rules alone. It imports nothing
// from src/ on purpose — a second, independent reading of the rules to judge the service by.
//
// It is fed the same happenings the simulator causes (usage, holds, grants, Stripe's events as they
// are delivered) in the same order, with the simulated time, and answers what must follow.

export type PlanCode = 'STARTER' | 'BUSINESS' | 'ENTERPRISE';
export type ModelStatus = 'NONE' | 'ACTIVE' | 'PAST_DUE' | 'CANCELED';

/** §2: the plans' data (price, included seconds, overage rate). Billing increment 1 s, no rollover. */
export const PLANS: Record<
  PlanCode,
  { priceCents: number; includedSeconds: number; rateCentsPerMinute: number; incrementSeconds: number; rolloverMaxSeconds: number }
> = {
  STARTER: { priceCents: 4900, includedSeconds: 12_000, rateCentsPerMinute: 30, incrementSeconds: 1, rolloverMaxSeconds: 0 },
  BUSINESS: { priceCents: 14900, includedSeconds: 48_000, rateCentsPerMinute: 25, incrementSeconds: 1, rolloverMaxSeconds: 0 },
  ENTERPRISE: { priceCents: 39900, includedSeconds: 150_000, rateCentsPerMinute: 20, incrementSeconds: 1, rolloverMaxSeconds: 0 },
};

export const DAY_MS = 86_400_000;
export const PURCHASE_EXPIRY_MS = 365 * DAY_MS;

/** §1: cost of N seconds = round half up (N × rate / 60), once per invoice line. */
export function overageCents(seconds: number, rateCentsPerMinute: number): number {
  return Math.floor((2 * seconds * rateCentsPerMinute + 60) / 120);
}

/** The most overage seconds whose cost stays within the limit (0 disables overage). */
export function overageMaxSeconds(limitCents: number, rateCentsPerMinute: number): number {
  if (limitCents <= 0) return 0;
  let s = Math.floor((60 * limitCents + 30) / rateCentsPerMinute);
  while (s > 0 && overageCents(s, rateCentsPerMinute) > limitCents) s -= 1;
  while (overageCents(s + 1, rateCentsPerMinute) <= limitCents) s += 1;
  return s;
}

export interface ModelGrant {
  source: 'PLAN' | 'ROLLOVER' | 'PURCHASE' | 'BONUS' | 'REFUND' | 'ADJUSTMENT';
  granted: number;
  remaining: number;
  expiresAt: number | null;
  createdAt: number;
  order: number;
  /** PLAN: the period start it belongs to. */
  periodStart?: number;
  /** PLAN: granted by an upgrade's proration. */
  upgrade?: boolean;
}

export interface ModelPeriod {
  start: number;
  end: number;
  plan: PlanCode;
  /** Seconds used in the period (credit + overage). */
  usedSeconds: number;
  creditSeconds: number;
  overageSeconds: number;
  /** The highest overage limit in force when overage was used in the period (it allowed that overage). */
  limitCapCents: number | null;
  closed: boolean;
  expiredSeconds: number;
  /** Set when the period is closed: the overage line Stripe must hold. */
  overageCents?: number;
}

export interface ExpectedItem {
  overageSeconds: number;
  amountCents: number;
  periodStart: number;
  /** Why the line exists: the renewal invoice, or a final invoice after a cancellation. */
  on: 'renewal' | 'final';
}

export interface ModelHold {
  seconds: number;
  expiresAt: number;
}

/** One customer's account as the rules say it must be. */
export class CustomerModel {
  grants: ModelGrant[] = [];
  status: ModelStatus = 'NONE';
  plan: PlanCode | null = null;
  /** The user's overage limit; null = the plan's monthly price. */
  overageLimitCents: number | null = null;
  period: ModelPeriod | null = null;
  periods: ModelPeriod[] = [];
  /** Invoice items that must be at Stripe by now. */
  items: ExpectedItem[] = [];
  /** Closed periods whose overage waits for the renewal invoice's draft (invoice.created). */
  awaitingRenewalInvoice = new Map<number, ModelPeriod>();
  /** Active holds by the simulator's name for them. */
  holds = new Map<string, ModelHold>();
  private n = 0;

  balance(): number {
    return this.grants.reduce((s, g) => s + g.remaining, 0);
  }

  private held(): number {
    let s = 0;
    for (const h of this.holds.values()) s += h.seconds;
    return s;
  }

  limitCents(): number {
    return this.overageLimitCents ?? (this.plan ? PLANS[this.plan].priceCents : 0);
  }

  /** §4: overage only for an ACTIVE membership inside its open period; capped per period. */
  overageAllowance(): number {
    if (this.status !== 'ACTIVE' || !this.period || this.period.closed || !this.plan) return 0;
    const max = overageMaxSeconds(this.limitCents(), PLANS[this.period.plan].rateCentsPerMinute);
    return Math.max(0, max - this.period.overageSeconds);
  }

  /** Time passes to `t`: expired grants and holds go, ended periods close (§5). */
  advance(t: number): void {
    for (const [id, h] of this.holds) if (h.expiresAt <= t) this.holds.delete(id);
    // the period closes at its end; its PLAN seconds expire then
    if (this.period && !this.period.closed && this.period.end <= t) this.closePeriod(this.period.end, 'end');
    for (const g of this.grants) {
      if (g.remaining > 0 && g.expiresAt !== null && g.expiresAt <= t) g.remaining = 0;
    }
  }

  private addGrant(g: Omit<ModelGrant, 'order'>): void {
    this.grants.push({ ...g, order: this.n++ });
  }

  /** The grants that paid for each usage (lineage), by usage number; refunds follow it. */
  lineage = new Map<number, { grant: ModelGrant; seconds: number; refunded: number }[]>();
  private lastAllocations: { grant: ModelGrant; seconds: number; refunded: number }[] = [];

  /** Usage consumes grants: earliest expiry first (none last), then oldest first (§3). */
  private consume(seconds: number, t: number): number {
    this.lastAllocations = [];
    const live = this.grants
      .filter((g) => g.remaining > 0 && (g.expiresAt === null || g.expiresAt > t))
      .sort((a, b) => (a.expiresAt ?? Infinity) - (b.expiresAt ?? Infinity) || a.createdAt - b.createdAt || a.order - b.order);
    let rest = seconds;
    for (const g of live) {
      if (rest === 0) break;
      const take = Math.min(g.remaining, rest);
      g.remaining -= take;
      rest -= take;
      if (take > 0) this.lastAllocations.push({ grant: g, seconds: take, refunded: 0 });
    }
    return seconds - rest;
  }

  /** A finished call's seconds: covered by grants, the rest overage while ACTIVE; `force` = a commit (always recorded). */
  private use(billed: number, t: number, force: boolean): { ok: boolean; overage: number } {
    const available = this.balance() - this.held();
    const allowance = this.overageAllowance();
    if (!force && billed > available + allowance) return { ok: false, overage: 0 };
    // credits before overage, including credits a hold has set aside (README, "Billing rules")
    const credit = this.consume(Math.min(billed, this.balance()), t);
    const overage = billed - credit;
    if (this.period && !this.period.closed && this.period.start <= t && t < this.period.end) {
      this.period.usedSeconds += billed;
      this.period.creditSeconds += credit;
      if (overage > 0 && this.status === 'ACTIVE') {
        this.period.overageSeconds += overage;
        this.period.limitCapCents = Math.max(this.period.limitCapCents ?? 0, this.limitCents());
      }
    }
    return { ok: true, overage };
  }

  private billed(seconds: number): number {
    const inc = this.plan ? PLANS[this.plan].incrementSeconds : 1;
    return Math.ceil(seconds / inc) * inc;
  }

  recordUsage(seconds: number, t: number, usage?: number): { ok: boolean } {
    const r = this.use(this.billed(seconds), t, false);
    if (r.ok && usage !== undefined) this.lineage.set(usage, this.lastAllocations);
    return r;
  }

  /**
   * An admin gives back seconds of a usage (§3): along its lineage, newest allocation first, as
   * REFUND grants expiring when the paying grant would have — or, if that has passed, at the end of
   * the current period (30 days without a membership). Only credit seconds, never more than paid.
   */
  refund(usage: number, seconds: number, t: number): { ok: boolean } {
    const allocations = this.lineage.get(usage);
    const refundable = (allocations ?? []).reduce((s, a) => s + a.seconds - a.refunded, 0);
    if (!allocations || seconds < 1 || seconds > refundable) return { ok: false };
    let rest = seconds;
    for (const a of [...allocations].reverse()) {
      if (rest === 0) break;
      const take = Math.min(a.seconds - a.refunded, rest);
      if (take === 0) continue;
      a.refunded += take;
      rest -= take;
      const live = a.grant.expiresAt === null || a.grant.expiresAt > t;
      const fallback = this.period && !this.period.closed && this.status !== 'CANCELED' ? this.period.end : t + 30 * DAY_MS;
      this.addGrant({ source: 'REFUND', granted: take, remaining: take, expiresAt: live ? a.grant.expiresAt : fallback, createdAt: t });
    }
    return { ok: true };
  }

  /**
   * An upgrade applies at once (§5): once its proration is paid, the difference in included seconds
   * prorated by the time left, ⌊(new − old) × (end − change) / length⌋ (ms), as PLAN seconds expiring
   * with the period, which from then on carries the new plan's rate and cap.
   */
  upgraded(to: PlanCode, changedAt: number): void {
    const p = this.period;
    if (!p || p.closed || !this.plan) return;
    const diff = PLANS[to].includedSeconds - PLANS[this.plan].includedSeconds;
    if (diff > 0) {
      const seconds = Math.floor((diff * (p.end - changedAt)) / (p.end - p.start));
      if (seconds > 0)
        this.addGrant({ source: 'PLAN', granted: seconds, remaining: seconds, expiresAt: p.end, createdAt: changedAt, periodStart: p.start, upgrade: true });
    }
    this.plan = to;
    p.plan = to;
  }

  reserve(id: string, seconds: number, ttlSeconds: number, t: number): { ok: boolean } {
    const capacity = this.balance() + this.overageAllowance() - this.held();
    if (this.billed(seconds) > capacity) return { ok: false };
    this.holds.set(id, { seconds: this.billed(seconds), expiresAt: t + ttlSeconds * 1000 });
    return { ok: true };
  }

  extend(id: string, seconds: number, ttlSeconds: number, t: number): { ok: boolean } {
    const h = this.holds.get(id);
    if (!h) return { ok: false };
    const capacity = this.balance() + this.overageAllowance() - this.held();
    if (this.billed(seconds) > capacity) return { ok: false };
    this.holds.set(id, { seconds: h.seconds + this.billed(seconds), expiresAt: t + ttlSeconds * 1000 });
    return { ok: true };
  }

  commit(id: string, usedSeconds: number, t: number): { ok: boolean } {
    if (!this.holds.has(id)) return { ok: false };
    this.holds.delete(id);
    return this.use(this.billed(usedSeconds), t, true);
  }

  release(id: string): { ok: boolean } {
    if (!this.holds.delete(id)) return { ok: false };
    return { ok: true };
  }

  grantBonus(seconds: number, expiresAt: number | null, t: number): void {
    this.addGrant({ source: 'BONUS', granted: seconds, remaining: seconds, expiresAt, createdAt: t });
  }

  /** A paid top-up: PURCHASE seconds, 365 days (§3), once per checkout session. */
  topUpPaid(seconds: number, t: number): void {
    this.addGrant({ source: 'PURCHASE', granted: seconds, remaining: seconds, expiresAt: t + PURCHASE_EXPIRY_MS, createdAt: t });
  }

  /**
   * An admin's correction (README, "Billing rules"): positive → a non-expiring ADJUSTMENT grant;
   * negative → a debit in consumption order that cannot take the balance below zero (refused).
   * Holds keep their seconds: a debit takes only what is available.
   */
  adjust(seconds: number, t: number): { ok: boolean } {
    if (seconds === 0) return { ok: false };
    if (seconds > 0) {
      this.addGrant({ source: 'ADJUSTMENT', granted: seconds, remaining: seconds, expiresAt: null, createdAt: t });
      return { ok: true };
    }
    // never below zero, and never taking seconds that active holds keep
    if (-seconds > this.balance() - this.held()) return { ok: false };
    this.consume(-seconds, t);
    return { ok: true };
  }

  setOverageLimit(cents: number): void {
    this.overageLimitCents = cents;
  }

  /** §5: a period opens; `grant` = its included seconds are granted now (first period: on invoice.paid). */
  private openPeriod(plan: PlanCode, start: number, end: number, t: number, grant: boolean): void {
    this.plan = plan;
    this.period = { start, end, plan, usedSeconds: 0, creditSeconds: 0, overageSeconds: 0, limitCapCents: null, closed: false, expiredSeconds: 0 };
    this.periods.push(this.period);
    if (grant) this.grantPlan(start, end, t);
  }

  private grantPlan(start: number, end: number, t: number): void {
    if (this.grants.some((g) => g.source === 'PLAN' && g.periodStart === start && !g.upgrade)) return; // one per (subscription, period start)
    const inc = PLANS[this.plan!].includedSeconds;
    this.addGrant({ source: 'PLAN', granted: inc, remaining: inc, expiresAt: end, createdAt: t, periodStart: start });
  }

  /** The first invoice (subscription_create) is paid: the membership is ACTIVE and its first period granted. */
  subscriptionStarted(plan: PlanCode, start: number, end: number, t: number): void {
    this.status = 'ACTIVE';
    // the user's overage limit stays theirs
    this.openPeriod(plan, start, end, t, true);
  }

  /** A renewed period opens at the boundary (Stripe moved the period): usable from its first second. */
  renewalOpened(plan: PlanCode, start: number, end: number, t: number): void {
    if (this.status === 'CANCELED' || this.status === 'NONE') return;
    if (this.period && this.period.start === start) return;
    if (this.period && !this.period.closed) this.closePeriod(Math.min(this.period.end, t), 'end');
    this.openPeriod(plan, start, end, t, true);
  }

  /** The renewal's draft invoice arrived: the ended period's overage goes on it. */
  renewalInvoiceCreated(previousPeriodEnd: number): void {
    const p = this.awaitingRenewalInvoice.get(previousPeriodEnd);
    if (!p) return;
    this.awaitingRenewalInvoice.delete(previousPeriodEnd);
    if ((p.overageCents ?? 0) > 0) this.items.push({ overageSeconds: p.overageSeconds, amountCents: p.overageCents!, periodStart: p.start, on: 'renewal' });
  }

  paymentFailed(): void {
    if (this.status === 'ACTIVE') this.status = 'PAST_DUE';
  }

  paymentRecovered(): void {
    if (this.status === 'PAST_DUE') this.status = 'ACTIVE';
  }

  /** The membership ends now (cancelled now, from the portal, erased, or Stripe gave up on a renewal). */
  endedNow(t: number, unpaidRenewal: boolean): void {
    if (this.status === 'NONE' || this.status === 'CANCELED') return;
    const p = this.period;
    if (p && !p.closed) {
      if (unpaidRenewal) {
        // what is left of the unpaid renewal's grant expires at once (§5)
        for (const g of this.grants) if (g.source === 'PLAN' && g.periodStart === p.start) g.remaining = 0;
      }
      this.closePeriod(t, 'final');
    }
    this.status = 'CANCELED';
  }

  /** Cancel-at-period-end reached its end: the last period is billed on a final invoice. */
  endedAtPeriodEnd(t: number): void {
    if (this.status === 'NONE' || this.status === 'CANCELED') return;
    if (this.period && !this.period.closed) this.closePeriod(this.period.end, 'final');
    else if (this.period) {
      // closed at its end already; its overage waits for no renewal: a final invoice
      const p = this.awaitingRenewalInvoice.get(this.period.end);
      if (p) {
        this.awaitingRenewalInvoice.delete(this.period.end);
        if ((p.overageCents ?? 0) > 0) this.items.push({ overageSeconds: p.overageSeconds, amountCents: p.overageCents!, periodStart: p.start, on: 'final' });
      }
    }
    this.status = 'CANCELED';
    void t;
  }

  private closePeriod(at: number, how: 'end' | 'final'): void {
    const p = this.period!;
    p.closed = true;
    for (const g of this.grants) {
      if (g.source === 'PLAN' && g.periodStart === p.start && g.remaining > 0) {
        p.expiredSeconds += g.remaining;
        g.remaining = 0;
      }
    }
    const cap = p.limitCapCents ?? this.limitCents();
    p.overageCents = Math.min(overageCents(p.overageSeconds, PLANS[p.plan].rateCentsPerMinute), cap);
    if (how === 'final') {
      if (p.overageCents > 0) this.items.push({ overageSeconds: p.overageSeconds, amountCents: p.overageCents, periodStart: p.start, on: 'final' });
    } else {
      this.awaitingRenewalInvoice.set(p.end, p);
    }
    void at;
  }
}
