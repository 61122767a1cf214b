// ADMIN: revenue over [from, to) — MRR at both ends (memberships plus trailing overage), its
// movements (new, expansion, contraction, churned), customer churn, ARPU and LTV, and the revenue
// recognised in the range. Definitions: README "Analytics".
import { ok, type Result } from '../../shared/errors';
import type { AnalyticsDeps } from './deps';
import { PARAMS_CTE, revenueCtes } from './facts.sql';
import { mrrAt, totalOf } from './mrr';
import { checkRange } from './range';
import { divRound, ltvCents, mrrMovements, ratioBp, type MrrMovements } from './rules';

export interface RevenueMetrics extends MrrMovements {
  from: Date;
  to: Date;
  /** MRR at `to`, split: plan prices and trailing overage. */
  membershipMrrCents: number;
  usageMrrCents: number;
  /** churned customers / customers at `from`. */
  customerChurnRateBp: number | null;
  /** MRR at `to` / paying customers at `to`. */
  arpuCents: number | null;
  /** ARPU / monthly churn. */
  ltvCents: number | null;
  /** Membership fees, overage and top-ups of [from, to). */
  revenueCents: number;
  membershipRevenueCents: number;
  overageRevenueCents: number;
  topUpRevenueCents: number;
}

export async function revenueMetrics(deps: AnalyticsDeps, input: { from: Date; to: Date }): Promise<Result<RevenueMetrics>> {
  const bad = checkRange(input.from, input.to);
  if (bad) return bad;
  const [start, end, revenue] = await Promise.all([
    mrrAt(deps.em, input.from),
    mrrAt(deps.em, input.to),
    deps.em.getConnection().execute<Record<string, string>[]>(
      `with ${PARAMS_CTE}, ${revenueCtes(false)}
       select coalesce((select sum(membership_cents) from period_revenue), 0) as membership,
              coalesce((select sum(overage_cents) from period_revenue), 0) as overage,
              coalesce((select sum(cents) from topup_revenue), 0) as topup`,
      [input.from, input.to, null],
    ),
  ]);
  const toTotals = (m: typeof start) => new Map([...m.values()].map((c) => [c.userId, totalOf(c)]));
  const moves = mrrMovements(toTotals(start), toTotals(end));
  const arpu = moves.endCustomers === 0 ? null : divRound(moves.endMrrCents, moves.endCustomers);
  const r = revenue[0]!;
  const membership = Number(r.membership);
  const overage = Number(r.overage);
  const topUp = Number(r.topup);
  return ok({
    from: input.from,
    to: input.to,
    ...moves,
    membershipMrrCents: [...end.values()].reduce((n, c) => n + c.membershipCents, 0),
    usageMrrCents: [...end.values()].reduce((n, c) => n + c.usageCents, 0),
    customerChurnRateBp: ratioBp(moves.churnedCustomers, moves.startCustomers),
    arpuCents: arpu,
    ltvCents: arpu === null ? null : ltvCents(arpu, moves.startCustomers, moves.churnedCustomers, input.to.getTime() - input.from.getTime()),
    revenueCents: membership + overage + topUp,
    membershipRevenueCents: membership,
    overageRevenueCents: overage,
    topUpRevenueCents: topUp,
  });
}
