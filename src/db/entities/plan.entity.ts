import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber, type PlanCode } from './types';

/** A membership plan (billing rules §2). Plans are data, seeded by a migration. */
@Entity({ tableName: 'plans' })
export class Plan {
  @PrimaryKey({ type: 'text' }) code!: PlanCode;
  @Property({ type: 'text' }) name!: string;
  @Property({ type: bigintNumber() }) priceCents!: number;
  @Property({ type: 'string', length: 3 }) currency!: string;
  @Property({ type: bigintNumber() }) includedSeconds!: number;
  @Property({ type: bigintNumber() }) overageCentsPerMinute!: number;
  @Property({ type: 'integer' }) usageIncrementSeconds!: number;
  @Property({ type: bigintNumber() }) rolloverMaxSeconds!: number;
  @Property({ type: 'text' }) support!: string;
  @Property({ type: 'text' }) analytics!: string;
  @Property({ type: 'text[]' }) features!: string[];
  @Property({ type: 'integer' }) sortOrder!: number;
  @Property({ type: 'Date' }) createdAt!: Date;
}
