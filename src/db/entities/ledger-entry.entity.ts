import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber, type CreditTransactionType } from './types';

/** One immutable, hash-chained ledger row. The database refuses UPDATE, DELETE and TRUNCATE. */
@Entity({ tableName: 'ledger_entries', readonly: true })
export class LedgerEntry {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid' }) userId!: string;
  @Property({ type: bigintNumber() }) sequence!: number;
  @Property({ type: 'text' }) type!: CreditTransactionType;
  @Property({ type: bigintNumber() }) amountSeconds!: number;
  @Property({ type: bigintNumber() }) balanceAfterSeconds!: number;
  @Property({ type: 'text', nullable: true }) description?: string | null;
  @Property({ type: 'json', nullable: true }) metadata?: Record<string, unknown> | null;
  @Property({ type: 'text', nullable: true }) reference?: string | null;
  @Property({ type: 'text', nullable: true }) idempotencyKey?: string | null;
  @Property({ type: 'Date' }) createdAt!: Date;
  @Property({ type: 'string', length: 64 }) hash!: string;
}
