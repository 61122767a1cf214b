import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber } from './types';

/** The facts of one call: used, billed, paid with credits, overage, over the cap, uncovered. */
@Entity({ tableName: 'usage_records' })
export class UsageRecord {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid' }) userId!: string;
  @Property({ type: 'uuid', nullable: true }) periodId?: string | null;
  @Property({ type: 'uuid', nullable: true }) reservationId?: string | null;
  @Property({ type: 'uuid', nullable: true }) entryId?: string | null;
  @Property({ type: 'text', nullable: true }) callId?: string | null;
  @Property({ type: 'text', nullable: true }) description?: string | null;
  @Property({ type: bigintNumber() }) usedSeconds!: number;
  @Property({ type: bigintNumber() }) billedSeconds!: number;
  @Property({ type: bigintNumber() }) creditSeconds!: number;
  @Property({ type: bigintNumber() }) overageSeconds!: number;
  @Property({ type: bigintNumber() }) overCapSeconds!: number;
  @Property({ type: bigintNumber() }) uncoveredSeconds!: number;
  @Property({ type: 'Date' }) occurredAt!: Date;
  @Property({ type: 'Date' }) createdAt!: Date;
}
