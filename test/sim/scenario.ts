// Seeded random months of one customer base: what each customer intends to do and when. Pure data
// (no I/O), so a seed always yields the same intents and a trace can be cut down and replayed.
// Times are on a one-hour grid (the simulator advances the shared clock hour by hour where
// something happens); Stripe's own timeline (renewal deliveries) is drawn here too, as delays.
import type { PlanCode } from './model';

export const HOUR_MS = 3_600_000;
export const MONTH_MS = 30 * 24 * HOUR_MS;

/** mulberry32: small, fast, and the same on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Renewal {
  /** Hours after the boundary that customer.subscription.updated arrives. */
  updatedH: number;
  /** Hours after the boundary that invoice.created arrives (Stripe retries it up to 72 h). */
  createdH: number;
  /** Hours after invoice.created was answered plus Stripe's hour before finalizing, until the payment. */
  paidH: number;
  /** The renewal's payment is declined: recovered after `afterH`, or Stripe gives up then. */
  fail: null | { recover: boolean; afterH: number };
  /** One event delivered again later (0 updated, 1 created, 2 paid/failed). */
  duplicate: null | { which: 0 | 1 | 2; afterH: number };
}

export type Intent =
  | { kind: 'checkout'; plan: PlanCode; ref: number; secondTab: PlanCode | null }
  | { kind: 'boundary'; checkout: number; n: number; renewal: Renewal }
  | { kind: 'usage'; seconds: number }
  | { kind: 'hold'; seconds: number; ttlSeconds: number; then: 'commit' | 'release' | 'expire' | 'extend-commit'; usedSeconds: number; extendSeconds: number }
  | { kind: 'topUp'; minutes: number; delayedH: number | null }
  | { kind: 'changePlan'; up: boolean }
  | { kind: 'refund'; back: number; fraction: number }
  | { kind: 'erase' }
  | { kind: 'bonus'; seconds: number; expiresInDays: number | null }
  | { kind: 'adjust'; seconds: number }
  | { kind: 'overageLimit'; cents: number }
  | { kind: 'cancelAtPeriodEnd' }
  | { kind: 'cancelNow' }
  | { kind: 'portalCancel' }
  | { kind: 'secondCheckout'; plan: PlanCode };

export interface TimedIntent {
  /** ms after the simulation's start, on the hour grid. */
  at: number;
  intent: Intent;
}

const PLANS: PlanCode[] = ['STARTER', 'STARTER', 'STARTER', 'BUSINESS', 'BUSINESS', 'ENTERPRISE'];

/**
 * The event kinds a month may hold, with their chance per customer-month. Adding a kind is one
 * line here (and its effect in the driver's KINDS).
 */
export const MONTHLY_KINDS: { kind: Intent['kind']; chance: number; make: (r: () => number) => Intent }[] = [
  // card, or a delayed method (SEPA): checkout.session.completed unpaid, async_payment_succeeded hours later
  { kind: 'topUp', chance: 0.15, make: (r) => ({ kind: 'topUp', minutes: 10 + Math.floor(r() * 190), delayedH: r() < 0.3 ? 1 + Math.floor(r() * 72) : null }) },
  { kind: 'changePlan', chance: 0.1, make: (r) => ({ kind: 'changePlan', up: r() < 0.6 }) },
  { kind: 'refund', chance: 0.1, make: (r) => ({ kind: 'refund', back: r(), fraction: r() }) },
  { kind: 'erase', chance: 0.01, make: () => ({ kind: 'erase' }) },
  {
    kind: 'bonus',
    chance: 0.12,
    make: (r) => ({ kind: 'bonus', seconds: 600 + Math.floor(r() * 5400), expiresInDays: r() < 0.5 ? null : 5 + Math.floor(r() * 40) }),
  },
  // an operator's correction, either way (a negative one past what is available is refused)
  { kind: 'adjust', chance: 0.08, make: (r) => ({ kind: 'adjust', seconds: (r() < 0.5 ? -1 : 1) * (60 + Math.floor(r() * 7200)) }) },
  { kind: 'overageLimit', chance: 0.15, make: (r) => ({ kind: 'overageLimit', cents: [0, 300, 1000, 2500, 4900, 20000][Math.floor(r() * 6)]! }) },
  { kind: 'cancelAtPeriodEnd', chance: 0.05, make: () => ({ kind: 'cancelAtPeriodEnd' }) },
  { kind: 'cancelNow', chance: 0.03, make: () => ({ kind: 'cancelNow' }) },
  { kind: 'portalCancel', chance: 0.03, make: () => ({ kind: 'portalCancel' }) },
  { kind: 'secondCheckout', chance: 0.02, make: (r) => ({ kind: 'secondCheckout', plan: PLANS[Math.floor(r() * PLANS.length)]! }) },
];

function renewal(r: () => number): Renewal {
  const x = r();
  const createdH = x < 0.5 ? 0 : x < 0.85 ? 1 + Math.floor(r() * 6) : 7 + Math.floor(r() * 66);
  const f = r();
  return {
    updatedH: r() < 0.7 ? 0 : 1 + Math.floor(r() * 2),
    createdH,
    paidH: r() < 0.6 ? 0 : 1 + Math.floor(r() * 24),
    fail: f < 0.1 ? { recover: r() < 0.6, afterH: 24 + Math.floor(r() * 216) } : null,
    duplicate: r() < 0.3 ? { which: Math.floor(r() * 3) as 0 | 1 | 2, afterH: 1 + Math.floor(r() * 72) } : null,
  };
}

/** One customer's intents over `months` months (sorted by time; ties keep their order). */
export function customerIntents(seed: number, customer: number, months: number): TimedIntent[] {
  const r = rng((seed * 1_000_003 + customer * 7919) >>> 0);
  const horizon = months * MONTH_MS;
  const out: TimedIntent[] = [];
  const hourIn = (from: number, to: number) => from + Math.floor(r() * Math.max(1, (to - from) / HOUR_MS)) * HOUR_MS;
  const checkout = (at: number, ref: number) => {
    const plan = PLANS[Math.floor(r() * PLANS.length)]!;
    // sometimes a second checkout in another tab, opened before the first completed
    const secondTab = r() < 0.08 ? PLANS[Math.floor(r() * PLANS.length)]! : null;
    out.push({ at, intent: { kind: 'checkout', plan, ref, secondTab } });
    for (let n = 1; at + n * MONTH_MS < horizon; n++) out.push({ at: at + n * MONTH_MS, intent: { kind: 'boundary', checkout: ref, n, renewal: renewal(r) } });
  };
  checkout(hourIn(0, 72 * HOUR_MS), 0);
  let refs = 1;
  const intensity = 0.4 + r() * 1.4; // how much of their included minutes a customer tends to use
  for (let m = 0; m < months; m++) {
    const from = m * MONTH_MS;
    const to = from + MONTH_MS;
    const calls = 3 + Math.floor(r() * 6);
    for (let i = 0; i < calls; i++) out.push({ at: hourIn(from, to), intent: { kind: 'usage', seconds: Math.max(1, Math.floor(r() * 4200 * intensity)) } });
    const holds = Math.floor(r() * 3);
    for (let i = 0; i < holds; i++) {
      const seconds = 30 + Math.floor(r() * 1800 * intensity);
      const then = (['commit', 'commit', 'release', 'expire', 'extend-commit'] as const)[Math.floor(r() * 5)]!;
      out.push({
        at: hourIn(from, to),
        intent: {
          kind: 'hold',
          seconds,
          ttlSeconds: 60 + Math.floor(r() * 600),
          then,
          usedSeconds: Math.floor(r() * seconds * 1.3),
          extendSeconds: 30 + Math.floor(r() * 600),
        },
      });
    }
    for (const k of MONTHLY_KINDS) if (r() < k.chance) out.push({ at: hourIn(from, to), intent: k.make(r) });
    // some who left come back
    if (r() < 0.1) checkout(hourIn(from, to), refs++);
  }
  return out
    .map((x, i) => ({ ...x, i }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ at, intent }) => ({ at, intent }));
}
