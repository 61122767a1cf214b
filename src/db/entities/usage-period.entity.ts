import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber, type PlanCode } from './types';

/** A billing period [start, end) of a membership, with its usage and, once closed, its overage. */
@Entity({ tableName: 'usage_periods' })
export class UsagePeriod {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid' }) userId!: string;
  @Property({ type: 'uuid' }) membershipId!: string;
  @Property({ type: 'text' }) planCode!: PlanCode;
  @Property({ type: 'Date' }) periodStart!: Date;
  @Property({ type: 'Date' }) periodEnd!: Date;
  @Property({ type: bigintNumber() }) includedSeconds!: number;
  @Property({ type: bigintNumber() }) usedSeconds!: number;
  @Property({ type: bigintNumber() }) overageSeconds!: number;
  @Property({ type: bigintNumber() }) overCapSeconds!: number;
  @Property({ type: bigintNumber() }) overageCentsPerMinute!: number;
  @Property({ type: 'text' }) status!: 'OPEN' | 'CLOSED';
  @Property({ type: bigintNumber(), nullable: true }) expiredSeconds?: number | null;
  @Property({ type: bigintNumber(), nullable: true }) rolloverSeconds?: number | null;
  @Property({ type: bigintNumber(), nullable: true }) overageLimitCents?: number | null;
  @Property({ type: bigintNumber(), nullable: true }) overageCents?: number | null;
  @Property({ type: 'string', length: 3 }) currency!: string;
  @Property({ type: 'Date', nullable: true }) closedAt?: Date | null;
  @Property({ type: 'Date' }) createdAt!: Date;
}
