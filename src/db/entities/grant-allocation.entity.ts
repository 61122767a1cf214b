import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber } from './types';

/** Lineage: how many seconds of which grant a debit entry took, and how many were refunded since. */
@Entity({ tableName: 'grant_allocations' })
export class GrantAllocation {
  @PrimaryKey({ type: bigintNumber() }) id!: number;
  @Property({ type: 'uuid' }) entryId!: string;
  @Property({ type: 'uuid' }) grantId!: string;
  @Property({ type: 'uuid' }) userId!: string;
  @Property({ type: 'text' }) kind!: 'USAGE' | 'EXPIRY' | 'ADJUSTMENT';
  @Property({ type: bigintNumber() }) seconds!: number;
  @Property({ type: bigintNumber() }) refundedSeconds!: number;
}
