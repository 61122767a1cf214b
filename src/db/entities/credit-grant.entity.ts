import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber, type GrantSource } from './types';

@Entity({ tableName: 'credit_grants' })
export class CreditGrant {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid' }) userId!: string;
  @Property({ type: 'text' }) source!: GrantSource;
  @Property({ type: bigintNumber() }) grantedSeconds!: number;
  @Property({ type: bigintNumber() }) remainingSeconds!: number;
  @Property({ type: 'Date', nullable: true }) expiresAt?: Date | null;
  @Property({ type: 'text', nullable: true }) reference?: string | null;
  @Property({ type: 'text' }) idempotencyKey!: string;
  @Property({ type: 'uuid', nullable: true }) periodId?: string | null;
  @Property({ type: 'uuid' }) entryId!: string;
  @Property({ type: 'uuid', nullable: true }) refundOfEntryId?: string | null;
  @Property({ type: 'Date' }) createdAt!: Date;
  @Property({ type: 'Date', nullable: true }) expiredAt?: Date | null;
  /** What was left when it expired. */
  @Property({ type: bigintNumber(), nullable: true }) expiredSeconds?: number | null;
}
