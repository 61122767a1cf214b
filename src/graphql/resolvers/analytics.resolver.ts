// Analytics: a user's usage, forecast and ROI (USER: own; ADMIN: any), and ADMIN revenue, tier
// usage, customer and unit economics. Thin: authorize, call the use case, map. Malformed input
// (a bad range, too many buckets, an unknown user) is a top-level BAD_USER_INPUT, as for balance.
import { Arg, Args, ArgsType, Ctx, Field, ID, Int, Query, Resolver } from 'type-graphql';
import { customerEconomics } from '../../domain/analytics/customer-economics';
import { nowOf, type AnalyticsDeps } from '../../domain/analytics/deps';
import { defaultRange } from '../../domain/analytics/range';
import { revenueMetrics } from '../../domain/analytics/revenue-metrics';
import { roi } from '../../domain/analytics/roi';
import { tierUsage } from '../../domain/analytics/tier-usage';
import { unitEconomics } from '../../domain/analytics/unit-economics';
import { usageForecast } from '../../domain/analytics/usage-forecast';
import { usageReport, type Granularity } from '../../domain/analytics/usage-report';
import type { Result } from '../../shared/errors';
import { authorize, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { connectionOf, cursors, pageArgs } from '../connection';
import { badInput } from '../errors';
import {
  CustomerEconomicsConnection,
  RevenueMetrics,
  Roi,
  TierUsage,
  UnitEconomics,
  UsageForecast,
  UsageGranularityEnum,
  UsageReport,
} from '../types/analytics';

const deps = (ctx: GraphQLContext): AnalyticsDeps => ({ em: ctx.em, clock: ctx.clock, cogsCentsPerMinute: ctx.config.cogsCentsPerMinute });

function valueOf<T>(r: Result<T>): T {
  if (!r.ok) {
    const reason = typeof r.error.details?.reason === 'string' ? ` (${r.error.details.reason})` : '';
    throw badInput(`${r.error.message}${r.error.field ? ` Field: ${r.error.field}.` : ''}${reason}`);
  }
  return r.value;
}

@ArgsType()
class OptionalRangeArgs {
  @Field(() => Date, { nullable: true, description: 'Inclusive; default: a month before `to`.' }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Exclusive; default: now.' }) to?: Date | null;
}

@ArgsType()
class CustomerEconomicsArgs extends OptionalRangeArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, default 20, at most 100.' }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

@Resolver()
export class AnalyticsResolver {
  @Query(() => UsageReport, { description: "Usage in calendar buckets of the user's time zone covering [from, to). USER: own; ADMIN: any." })
  async usage(
    @Arg('userId', () => ID, { nullable: true }) userId: string | null,
    @Arg('granularity', () => UsageGranularityEnum) granularity: Granularity,
    @Arg('from', () => Date) from: Date,
    @Arg('to', () => Date) to: Date,
    @Ctx() ctx: GraphQLContext,
  ): Promise<UsageReport> {
    const p = authorize(ctx, 'usage');
    return valueOf(await usageReport(deps(ctx), { userId: targetUser(p, userId), granularity, from, to }));
  }

  @Query(() => UsageForecast, { description: 'Usage projected to the period end. USER: own; ADMIN: any.' })
  async usageForecast(@Arg('userId', () => ID, { nullable: true }) userId: string | null, @Ctx() ctx: GraphQLContext): Promise<UsageForecast> {
    const p = authorize(ctx, 'usageForecast');
    return valueOf(await usageForecast(deps(ctx), { userId: targetUser(p, userId) }));
  }

  @Query(() => Roi, { description: 'Minutes handled, their cost with people, spend and savings over [from, to) (default: all time). USER: own; ADMIN: any.' })
  async roi(
    @Arg('userId', () => ID, { nullable: true }) userId: string | null,
    @Arg('agentCostCentsPerHour', () => Int) agentCostCentsPerHour: number,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Roi> {
    const p = authorize(ctx, 'roi');
    return valueOf(await roi(deps(ctx), { userId: targetUser(p, userId), agentCostCentsPerHour, from, to }));
  }

  @Query(() => RevenueMetrics, { description: 'ADMIN: MRR and its movements, churn, ARPU, LTV and revenue over [from, to).' })
  async revenueMetrics(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: GraphQLContext): Promise<RevenueMetrics> {
    authorize(ctx, 'revenueMetrics');
    const m = valueOf(await revenueMetrics(deps(ctx), { from, to }));
    return { ...m, mrrCents: m.endMrrCents, customers: m.endCustomers };
  }

  @Query(() => [TierUsage], { description: 'ADMIN: per plan, the share of included minutes used in the periods that ended in [from, to).' })
  async tierUsage(@Args(() => OptionalRangeArgs) args: OptionalRangeArgs, @Ctx() ctx: GraphQLContext): Promise<TierUsage[]> {
    authorize(ctx, 'tierUsage');
    const d = deps(ctx);
    return valueOf(await tierUsage(d, defaultRange(await nowOf(d), args.from, args.to)));
  }

  @Query(() => CustomerEconomicsConnection, { description: 'ADMIN: per customer revenue, cost of goods and margin over [from, to), least profitable first.' })
  async customerEconomics(@Args(() => CustomerEconomicsArgs) args: CustomerEconomicsArgs, @Ctx() ctx: GraphQLContext): Promise<CustomerEconomicsConnection> {
    authorize(ctx, 'customerEconomics');
    const req = pageArgs(cursors.customerEconomics, args);
    const d = deps(ctx);
    const range = defaultRange(await nowOf(d), args.from, args.to);
    const page = valueOf(await customerEconomics(d, { ...range, first: req.first, after: req.after }));
    return {
      ...connectionOf(cursors.customerEconomics, page, (node) => ({ marginCents: node.marginCents, userId: node.userId })),
      totalCount: page.totalCount,
    };
  }

  @Query(() => UnitEconomics, { description: 'ADMIN: per plan, revenue per used minute against the cost per minute over [from, to).' })
  async unitEconomics(@Args(() => OptionalRangeArgs) args: OptionalRangeArgs, @Ctx() ctx: GraphQLContext): Promise<UnitEconomics> {
    authorize(ctx, 'unitEconomics');
    const d = deps(ctx);
    return valueOf(await unitEconomics(d, defaultRange(await nowOf(d), args.from, args.to)));
  }
}
