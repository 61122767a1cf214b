// Output types of the API. Amounts are Int seconds and Int cents, SafeInt (2^53 − 1) where a sum can
// pass 2^31 − 1 (balances, holds, period totals); times are DateTime (UTC).
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON, GraphQLSafeInt } from 'graphql-scalars';
import type { CreditTransactionType, GrantSource, MembershipStatus, PlanCode, ReservationStatus, Role } from '../../db/entities/types';
import type { ErrorCode } from '../../shared/errors';
import type { UsageAlertKind } from '../../domain/ports';
import {
  UsageAlertKindEnum,
  ApiKeyRoleEnum,
  CreditGrantSourceEnum,
  CreditTransactionTypeEnum,
  ErrorCodeEnum,
  MembershipStatusEnum,
  PlanCodeEnum,
  ReservationStatusEnum,
  RoleEnum,
} from './enums';

@ObjectType({ description: 'A typed business failure of a mutation; nothing was changed.' })
export class UserError {
  @Field(() => ErrorCodeEnum) code!: ErrorCode;
  @Field(() => String, { nullable: true, description: 'The input field at fault.' }) field?: string | null;
  @Field(() => String) message!: string;
}

@ObjectType()
export class Plan {
  @Field(() => PlanCodeEnum) code!: PlanCode;
  @Field(() => String) name!: string;
  @Field(() => Int) priceCents!: number;
  @Field(() => String) currency!: string;
  @Field(() => Int) includedSeconds!: number;
  @Field(() => Int) overageCentsPerMinute!: number;
  @Field(() => Int) usageIncrementSeconds!: number;
  @Field(() => Int) rolloverMaxSeconds!: number;
  @Field(() => [String]) features!: string[];
}

@ObjectType()
export class Membership {
  @Field(() => ID) id!: string;
  planCode!: PlanCode;
  @Field(() => MembershipStatusEnum) status!: MembershipStatus;
  @Field(() => Date, { nullable: true }) currentPeriodStart?: Date | null;
  @Field(() => Date, { nullable: true }) currentPeriodEnd?: Date | null;
  @Field(() => Boolean) cancelAtPeriodEnd!: boolean;
  /** Stored value; null means the plan price (resolved in the field resolver). */
  storedOverageLimitCents?: number | null;
  scheduledPlanCode?: PlanCode | null;
  @Field(() => Date, { nullable: true, description: 'When the scheduled plan takes over (the period end).' }) scheduledChangeAt?: Date | null;
}

@ObjectType({ description: 'A user balance at one moment; version grows with every change of balance or holds.' })
export class CreditBalance {
  @Field(() => ID) userId!: string;
  @Field(() => GraphQLSafeInt, { description: 'At most the largest balance, 2,147,483,647 s (BALANCE_LIMIT_EXCEEDED past it).' }) balanceSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'Sum of the active holds.' }) reservedSeconds!: number;
  @Field(() => GraphQLSafeInt, { description: 'balance − active holds, never below 0.' }) availableSeconds!: number;
  @Field(() => Int) version!: number;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType()
export class User {
  @Field(() => ID) id!: string;
  @Field(() => String) email!: string;
  @Field(() => RoleEnum) role!: Role;
  @Field(() => String) timeZone!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'A credit grant: seconds that entered the account, with their own expiry.' })
export class CreditGrant {
  @Field(() => ID) id!: string;
  @Field(() => CreditGrantSourceEnum) source!: GrantSource;
  @Field(() => Int) grantedSeconds!: number;
  @Field(() => Int) remainingSeconds!: number;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
  @Field(() => String, { nullable: true }) reference?: string | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'How many seconds of one grant a debit took.' })
export class GrantLineage {
  grantId!: string;
  @Field(() => Int) seconds!: number;
}

@ObjectType({ description: 'One immutable, hash-chained ledger entry.' })
export class CreditTransaction {
  @Field(() => ID) id!: string;
  userId!: string;
  @Field(() => CreditTransactionTypeEnum) type!: CreditTransactionType;
  @Field(() => GraphQLSafeInt, { description: 'Signed; an EXPIRY entry is the sum of the grants that expired.' }) amountSeconds!: number;
  @Field(() => GraphQLSafeInt) balanceAfterSeconds!: number;
  @Field(() => Int) sequence!: number;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => String, { nullable: true }) reference?: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) metadata?: Record<string, unknown> | null;
  @Field(() => String) hash!: string;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor?: string | null;
}

@ObjectType()
export class CreditTransactionEdge {
  @Field(() => String) cursor!: string;
  @Field(() => CreditTransaction) node!: CreditTransaction;
}

@ObjectType()
export class CreditTransactionConnection {
  @Field(() => [CreditTransactionEdge]) edges!: CreditTransactionEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType()
export class Reservation {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => ReservationStatusEnum) status!: ReservationStatus;
  @Field(() => Int) reservedSeconds!: number;
  @Field(() => Date) expiresAt!: Date;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Int, { nullable: true }) usedSeconds?: number | null;
  @Field(() => Int, { nullable: true }) billedSeconds?: number | null;
}

@ObjectType({ description: 'An API key; the secret is shown only once, at creation.' })
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => ApiKeyRoleEnum) role!: 'USER' | 'SERVICE';
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'The visible start of the key, to tell keys apart.' }) prefix!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt?: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt?: Date | null;
}

@ObjectType({ description: 'A usage threshold crossed; each kind at most once per period.' })
export class UsageAlert {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => UsageAlertKindEnum) kind!: UsageAlertKind;
  @Field(() => GraphQLSafeInt, { description: 'Billed seconds of the period so far.' }) usedSeconds!: number;
  @Field(() => GraphQLSafeInt) includedSeconds!: number;
  @Field(() => GraphQLSafeInt) overageSeconds!: number;
  @Field(() => GraphQLSafeInt) balanceSeconds!: number;
  @Field(() => Date) createdAt!: Date;
}
