// ADMIN: per customer over [from, to) — revenue (membership fees, overage, top-ups), cost of goods
// of the seconds used at the configured cost per minute, margin and margin % — least profitable
// first (margin ascending, then user id), as a keyset page.
import type { PlanCode } from '../../db/entities/types';
import { ErrorCode, fail, ok, type Result } from '../../shared/errors';
import { clampPageSize } from '../queries/transactions';
import type { AnalyticsDeps } from './deps';
import { factsCtes, PARAMS_CTE } from './facts.sql';
import { catchUpRollups } from './refresh-usage-rollups';
import { checkRange } from './range';
import { ratioBp } from './rules';

export interface CustomerEconomics {
  userId: string;
  /** The plan of the customer's membership now (null without one). */
  planCode: PlanCode | null;
  revenueCents: number;
  membershipRevenueCents: number;
  overageRevenueCents: number;
  topUpRevenueCents: number;
  calls: number;
  usedSeconds: number;
  costCents: number;
  marginCents: number;
  /** margin / revenue; null without revenue. */
  marginBp: number | null;
}

export interface CustomerEconomicsPage {
  items: CustomerEconomics[];
  hasNextPage: boolean;
  totalCount: number;
}

export interface CustomerEconomicsInput {
  from: Date;
  to: Date;
  first?: number | null;
  /** Keyset: strictly after this (margin, user id). */
  after?: { marginCents: number; userId: string } | null;
}

type Row = Record<string, string | null>;

export async function customerEconomics(deps: AnalyticsDeps, input: CustomerEconomicsInput): Promise<Result<CustomerEconomicsPage>> {
  const bad = checkRange(input.from, input.to);
  if (bad) return bad;
  if (input.after && (!Number.isSafeInteger(input.after.marginCents) || !/^[0-9a-f-]{36}$/.test(input.after.userId))) {
    return fail(ErrorCode.INVALID_ARGUMENT, 'after');
  }
  const size = clampPageSize(input.first);
  const cogs = deps.cogsCentsPerMinute;
  await catchUpRollups(deps);
  const rows = await deps.em.getConnection().execute<Row[]>(
    `with ${PARAMS_CTE}, ${factsCtes(false)},
     per_user as (
       select user_id, sum(membership_cents)::bigint as membership_cents, sum(overage_cents)::bigint as overage_cents,
              sum(topup_cents)::bigint as topup_cents, sum(used_seconds)::bigint as used_seconds, sum(calls)::bigint as calls
         from facts group by user_id
     ), econ as (
       select pu.*, pu.membership_cents + pu.overage_cents + pu.topup_cents as revenue_cents,
              vp_overage_cents(pu.used_seconds, ?::bigint) as cost_cents
         from per_user pu
     ), ranked as (
       select e.*, e.revenue_cents - e.cost_cents as margin_cents, count(*) over () as total
         from econ e
     )
     select r.*, ms.plan_code
       from ranked r left join memberships ms on ms.user_id = r.user_id
      where (?::bigint is null or (r.margin_cents, r.user_id) > (?::bigint, ?::uuid))
      order by r.margin_cents, r.user_id
      limit ?`,
    [input.from, input.to, null, cogs, input.after?.marginCents ?? null, input.after?.marginCents ?? null, input.after?.userId ?? null, size + 1],
  );
  let totalCount = rows.length ? Number(rows[0]!.total) : 0;
  if (!rows.length && input.after) {
    // past the last page: the count still answers
    const all = await customerEconomics(deps, { ...input, after: null, first: 1 });
    totalCount = all.ok ? all.value.totalCount : 0;
  }
  const items = rows.slice(0, size).map((r): CustomerEconomics => {
    const revenue = Number(r.revenue_cents);
    const margin = Number(r.margin_cents);
    return {
      userId: r.user_id!,
      planCode: (r.plan_code as PlanCode | null) ?? null,
      revenueCents: revenue,
      membershipRevenueCents: Number(r.membership_cents),
      overageRevenueCents: Number(r.overage_cents),
      topUpRevenueCents: Number(r.topup_cents),
      calls: Number(r.calls),
      usedSeconds: Number(r.used_seconds),
      costCents: Number(r.cost_cents),
      marginCents: margin,
      marginBp: ratioBp(margin, revenue),
    };
  });
  return ok({ items, hasNextPage: rows.length > size, totalCount });
}
