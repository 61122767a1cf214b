// ADMIN: per plan, what a used minute earns against what it costs, as in the business case
// (Starter: 49 € for 200 minutes = 24.5 c per included minute against 14 c of cost). The list
// figures come from the plan; the actual ones from [from, to): revenue (membership fees, overage,
// top-ups) per used minute. Rates per minute are integer millicents (24.5 c = 24,500).
import type { PlanCode } from '../../db/entities/types';
import { ok, type Result } from '../../shared/errors';
import type { AnalyticsDeps } from './deps';
import { factsCtes, PARAMS_CTE } from './facts.sql';
import { mrrAt } from './mrr';
import { catchUpRollups } from './refresh-usage-rollups';
import { checkRange } from './range';
import { cogsCents, MILLICENTS_PER_CENT, perMinuteMillicents, ratioBp } from './rules';

export interface PlanUnitEconomics {
  planCode: PlanCode;
  priceCents: number;
  includedSeconds: number;
  overageCentsPerMinute: number;
  /** price / included minutes: what a minute earns when all included minutes are used. */
  listPricePerIncludedMinuteMillicents: number | null;
  /** (list price per minute − cost per minute) / list price per minute. */
  listMarginBp: number | null;
  /** (overage rate − cost per minute) / overage rate. */
  overageMarginBp: number;
  /** Paying customers on the plan at `to`. */
  customers: number;
  revenueCents: number;
  usedSeconds: number;
  revenuePerUsedMinuteMillicents: number | null;
  costCents: number;
  marginCents: number;
  marginBp: number | null;
}

export interface UnitEconomics {
  from: Date;
  to: Date;
  costPerMinuteMillicents: number;
  plans: PlanUnitEconomics[];
  /** Usage of users without a membership: cost without plan revenue. */
  unattributedUsedSeconds: number;
  unattributedCostCents: number;
}

export async function unitEconomics(deps: AnalyticsDeps, input: { from: Date; to: Date }): Promise<Result<UnitEconomics>> {
  const bad = checkRange(input.from, input.to);
  if (bad) return bad;
  const cogs = deps.cogsCentsPerMinute;
  await catchUpRollups(deps);
  const [rows, customers] = await Promise.all([
    deps.em.getConnection().execute<Record<string, string>[]>(
      `with ${PARAMS_CTE}, ${factsCtes(false)},
       per_plan as (
         select plan_code, sum(membership_cents + overage_cents + topup_cents) as revenue_cents,
                sum(used_seconds) as used_seconds
           from facts group by plan_code
       )
       select coalesce(pl.code, pp.plan_code) as code, pl.price_cents, pl.included_seconds, pl.overage_cents_per_minute,
              coalesce(pp.revenue_cents, 0) as revenue_cents, coalesce(pp.used_seconds, 0) as used_seconds
         from plans pl full join per_plan pp on pp.plan_code = pl.code
        order by pl.sort_order nulls last`,
      [input.from, input.to, null],
    ),
    mrrAt(deps.em, input.to),
  ]);
  const perPlan = new Map<string, number>();
  for (const c of customers.values()) perPlan.set(c.planCode, (perPlan.get(c.planCode) ?? 0) + 1);
  const costPerMinute = cogs * MILLICENTS_PER_CENT;
  const plans: PlanUnitEconomics[] = [];
  let unattributedUsedSeconds = 0;
  for (const r of rows) {
    const used = Number(r.used_seconds);
    if (r.price_cents === null || r.price_cents === undefined) {
      unattributedUsedSeconds += used;
      continue;
    }
    const price = Number(r.price_cents);
    const included = Number(r.included_seconds);
    const overageRate = Number(r.overage_cents_per_minute);
    const revenue = Number(r.revenue_cents);
    const cost = cogsCents(used, cogs);
    const list = perMinuteMillicents(price, included);
    plans.push({
      planCode: r.code as PlanCode,
      priceCents: price,
      includedSeconds: included,
      overageCentsPerMinute: overageRate,
      listPricePerIncludedMinuteMillicents: list,
      listMarginBp: list === null ? null : ratioBp(list - costPerMinute, list),
      overageMarginBp: ratioBp(overageRate - cogs, overageRate) ?? 0,
      customers: perPlan.get(r.code!) ?? 0,
      revenueCents: revenue,
      usedSeconds: used,
      revenuePerUsedMinuteMillicents: perMinuteMillicents(revenue, used),
      costCents: cost,
      marginCents: revenue - cost,
      marginBp: ratioBp(revenue - cost, revenue),
    });
  }
  return ok({
    from: input.from,
    to: input.to,
    costPerMinuteMillicents: costPerMinute,
    plans,
    unattributedUsedSeconds,
    unattributedCostCents: cogsCents(unattributedUsedSeconds, cogs),
  });
}
