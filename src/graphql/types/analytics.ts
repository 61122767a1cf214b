// Output types of analytics. Sums use SafeInt (53-bit) where they can pass 2^31; ratios are
// integer basis points (…Bp, 10,000 = 100 %); rates per minute integer millicents (…Millicents,
// 1/1000 cent); money integer cents.
import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { PlanCode } from '../../db/entities/types';
import type { Granularity } from '../../domain/analytics/usage-report';
import { PlanCodeEnum } from './enums';
import { PageInfo } from './objects';

export const UsageGranularityEnum = { DAY: 'DAY', WEEK: 'WEEK', MONTH: 'MONTH' } as const;
registerEnumType(UsageGranularityEnum, {
  name: 'UsageGranularity',
  description: "Calendar buckets in the user's time zone: days (23 or 25 hours across a DST change), ISO weeks from Monday, months.",
});

@ObjectType({ description: 'Usage of one calendar bucket.' })
export class UsageBucket {
  @Field(() => String, { description: "The bucket's first local day, YYYY-MM-DD." }) localDate!: string;
  @Field(() => Date, { description: 'Local midnight the bucket starts at.' }) startAt!: Date;
  @Field(() => Date, { description: 'Local midnight the next bucket starts at (exclusive).' }) endAt!: Date;
  @Field(() => GraphQLSafeInt) calls!: number;
  @Field(() => GraphQLSafeInt, { description: 'Seconds talked.' }) usedSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: "Seconds billed (rounded up to the plan's increment per call)." }) billableSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'Billed seconds paid with credits.' }) creditSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'Billed seconds beyond the credits (overage).' }) overageSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: "Cost of the bucket's overage within the cap, rounded half up once." }) overageCents!: number;
}

@ObjectType()
export class UsageTotals {
  @Field(() => GraphQLSafeInt) calls!: number;
  @Field(() => GraphQLSafeInt) usedSeconds!: number;
  @Field(() => GraphQLSafeInt) billableSeconds!: number;
  @Field(() => GraphQLSafeInt) creditSeconds!: number;
  @Field(() => GraphQLSafeInt) overageSeconds!: number;
  @Field(() => GraphQLSafeInt) overageCents!: number;
}

@ObjectType({ description: "A user's usage in calendar buckets of their time zone." })
export class UsageReport {
  @Field(() => ID) userId!: string;
  @Field(() => String) timeZone!: string;
  @Field(() => UsageGranularityEnum) granularity!: Granularity;
  @Field(() => Date) from!: Date;
  @Field(() => Date) to!: Date;
  @Field(() => [UsageBucket]) buckets!: UsageBucket[];
  @Field(() => UsageTotals) totals!: UsageTotals;
}

@ObjectType({ description: 'Usage projected to the period end from a recency-weighted daily rate (README "Analytics").' })
export class UsageForecast {
  @Field(() => ID) userId!: string;
  @Field(() => Date) asOf!: Date;
  @Field(() => String) timeZone!: string;
  @Field(() => Date, { nullable: true }) periodStart?: Date | null;
  @Field(() => Date, { nullable: true }) periodEnd?: Date | null;
  @Field(() => GraphQLSafeInt) includedSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'Billed seconds of the period so far.' }) usedSeconds!: number;
  @Field(() => GraphQLSafeInt) overageSeconds!: number;
  @Field(() => GraphQLSafeInt) overageCents!: number;
  @Field(() => GraphQLSafeInt) balanceSeconds!: number;
  @Field(() => GraphQLSafeInt) availableSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'Recency-weighted billed seconds per day.' }) dailyRateSeconds!: number;
  @Field(() => Int, { description: 'Complete local days the rate is built from (at most 28).' }) basisDays!: number;
  @Field(() => Int) halfLifeDays!: number;
  @Field(() => GraphQLSafeInt, { description: 'Seconds expected from now to the period end.' }) projectedAdditionalSeconds!: number;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Billed seconds expected by the period end.' }) projectedUsedSeconds?: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'Overage expected by the period end, within the cap.' }) projectedOverageSeconds?: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) projectedOverageCents?: number | null;
  @Field(() => Date, { nullable: true, description: 'When the available seconds run out at this rate; null if not before the period ends (or the rate is 0).' })
  balanceRunsOutAt?: Date | null;
}

@ObjectType({ description: 'What the voice agent saved a customer compared with people.' })
export class Roi {
  @Field(() => ID) userId!: string;
  @Field(() => Date, { nullable: true }) from?: Date | null;
  @Field(() => Date, { nullable: true }) to?: Date | null;
  @Field(() => Int) agentCostCentsPerHour!: number;
  @Field(() => GraphQLSafeInt) calls!: number;
  @Field(() => GraphQLSafeInt, { description: 'Seconds talked.' }) handledSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'Whole minutes, for display.' }) handledMinutes!: number;
  @Field(() => GraphQLSafeInt, { description: 'handledSeconds × agentCostCentsPerHour / 3600, rounded half up.' }) humanCostCents!: number;
  @Field(() => GraphQLSafeInt, { description: 'Membership fees, overage and top-ups of the range.' }) spendCents!: number;
  @Field(() => GraphQLSafeInt, { description: 'humanCostCents − spendCents.' }) savingsCents!: number;
  @Field(() => Int, { nullable: true, description: 'savings / spend in basis points; null without spend.' }) returnBp?: number | null;
}

@ObjectType({ description: 'Revenue over [from, to); definitions in README "Analytics".' })
export class RevenueMetrics {
  @Field(() => Date) from!: Date;
  @Field(() => Date) to!: Date;
  @Field(() => GraphQLSafeInt, { description: 'MRR at `from`.' }) startMrrCents!: number;
  @Field(() => GraphQLSafeInt, { description: 'MRR at `to`: plan prices of paying customers plus their trailing overage.' }) mrrCents!: number;
  @Field(() => GraphQLSafeInt) membershipMrrCents!: number;
  @Field(() => GraphQLSafeInt) usageMrrCents!: number;
  @Field(() => GraphQLSafeInt) newMrrCents!: number;
  @Field(() => GraphQLSafeInt) expansionMrrCents!: number;
  @Field(() => GraphQLSafeInt) contractionMrrCents!: number;
  @Field(() => GraphQLSafeInt) churnedMrrCents!: number;
  @Field(() => Int) startCustomers!: number;
  @Field(() => Int) customers!: number;
  @Field(() => Int) newCustomers!: number;
  @Field(() => Int) churnedCustomers!: number;
  @Field(() => Int, { nullable: true, description: 'churnedCustomers / startCustomers in basis points.' }) customerChurnRateBp?: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true }) arpuCents?: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true, description: 'ARPU / monthly customer churn; null without churn.' }) ltvCents?: number | null;
  @Field(() => GraphQLSafeInt) revenueCents!: number;
  @Field(() => GraphQLSafeInt) membershipRevenueCents!: number;
  @Field(() => GraphQLSafeInt) overageRevenueCents!: number;
  @Field(() => GraphQLSafeInt) topUpRevenueCents!: number;
}

@ObjectType({ description: "How a plan's customers use their included minutes, over the periods that ended in the range." })
export class TierUsage {
  @Field(() => PlanCodeEnum) planCode!: PlanCode;
  @Field(() => GraphQLSafeInt) includedSeconds!: number;
  @Field(() => Int) customers!: number;
  @Field(() => Int) periods!: number;
  @Field(() => Int, { nullable: true, description: 'Mean share of the included seconds used, basis points.' }) averageShareBp?: number | null;
  @Field(() => Int, { nullable: true, description: 'Median (nearest rank), basis points.' }) p50ShareBp?: number | null;
  @Field(() => Int, { nullable: true, description: '90th percentile (nearest rank), basis points.' }) p90ShareBp?: number | null;
  @Field(() => Int) overagePeriods!: number;
  @Field(() => Int, { nullable: true, description: 'Share of periods with overage, basis points.' }) overageShareBp?: number | null;
}

@ObjectType({ description: "A customer's revenue, cost of goods and margin over the range." })
export class CustomerEconomics {
  @Field(() => ID) userId!: string;
  @Field(() => PlanCodeEnum, { nullable: true }) planCode?: PlanCode | null;
  @Field(() => GraphQLSafeInt) revenueCents!: number;
  @Field(() => GraphQLSafeInt) membershipRevenueCents!: number;
  @Field(() => GraphQLSafeInt) overageRevenueCents!: number;
  @Field(() => GraphQLSafeInt) topUpRevenueCents!: number;
  @Field(() => GraphQLSafeInt) calls!: number;
  @Field(() => GraphQLSafeInt) usedSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'usedSeconds at the cost of goods per minute, rounded half up.' }) costCents!: number;
  @Field(() => GraphQLSafeInt) marginCents!: number;
  @Field(() => Int, { nullable: true, description: 'margin / revenue in basis points; null without revenue.' }) marginBp?: number | null;
}

@ObjectType()
export class CustomerEconomicsEdge {
  @Field(() => String) cursor!: string;
  @Field(() => CustomerEconomics) node!: CustomerEconomics;
}

@ObjectType()
export class CustomerEconomicsConnection {
  @Field(() => [CustomerEconomicsEdge]) edges!: CustomerEconomicsEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'What a used minute of a plan earns against what it costs.' })
export class PlanUnitEconomics {
  @Field(() => PlanCodeEnum) planCode!: PlanCode;
  @Field(() => Int) priceCents!: number;
  @Field(() => GraphQLSafeInt) includedSeconds!: number;
  @Field(() => Int) overageCentsPerMinute!: number;
  @Field(() => Int, { nullable: true, description: 'price / included minutes in millicents (Starter: 24,500 = 24.5 c).' })
  listPricePerIncludedMinuteMillicents?: number | null;
  @Field(() => Int, { nullable: true }) listMarginBp?: number | null;
  @Field(() => Int) overageMarginBp!: number;
  @Field(() => Int, { description: 'Paying customers on the plan at `to`.' }) customers!: number;
  @Field(() => GraphQLSafeInt) revenueCents!: number;
  @Field(() => GraphQLSafeInt) usedSeconds!: number;
  @Field(() => GraphQLSafeInt, { nullable: true }) revenuePerUsedMinuteMillicents?: number | null;
  @Field(() => GraphQLSafeInt) costCents!: number;
  @Field(() => GraphQLSafeInt) marginCents!: number;
  @Field(() => Int, { nullable: true }) marginBp?: number | null;
}

@ObjectType()
export class UnitEconomics {
  @Field(() => Date) from!: Date;
  @Field(() => Date) to!: Date;
  @Field(() => Int, { description: 'Cost of goods per minute in millicents (14 c = 14,000).' }) costPerMinuteMillicents!: number;
  @Field(() => [PlanUnitEconomics]) plans!: PlanUnitEconomics[];
  @Field(() => GraphQLSafeInt, { description: 'Seconds used without a membership: cost without plan revenue.' }) unattributedUsedSeconds!: number;
  @Field(() => GraphQLSafeInt) unattributedCostCents!: number;
}
