import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber } from './types';

/** The head of a user's ledger; written only by the ledger functions under a row lock. */
@Entity({ tableName: 'credit_balances' })
export class CreditBalance {
  @PrimaryKey({ type: 'uuid' }) userId!: string;
  @Property({ type: bigintNumber() }) balanceSeconds!: number;
  @Property({ type: bigintNumber() }) reservedSeconds!: number;
  @Property({ type: bigintNumber() }) version!: number;
  @Property({ type: bigintNumber() }) lastSequence!: number;
  @Property({ type: 'string', length: 64 }) lastHash!: string;
  @Property({ type: 'Date' }) updatedAt!: Date;
}
