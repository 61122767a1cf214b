import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber, type ReservationStatus } from './types';

/** A hold for a call in progress. */
@Entity({ tableName: 'reservations' })
export class Reservation {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid' }) userId!: string;
  @Property({ type: 'text' }) status!: ReservationStatus;
  @Property({ type: bigintNumber() }) reservedSeconds!: number;
  /** Room (available + overage allowance) when the hold was made or last extended. */
  @Property({ type: bigintNumber() }) allowedSeconds!: number;
  @Property({ type: 'text' }) idempotencyKey!: string;
  @Property({ type: 'text' }) requestFingerprint!: string;
  @Property({ type: 'integer' }) ttlSeconds!: number;
  @Property({ type: 'Date' }) expiresAt!: Date;
  @Property({ type: 'Date' }) createdAt!: Date;
  @Property({ type: 'Date' }) updatedAt!: Date;
  @Property({ type: 'Date', nullable: true }) finishedAt?: Date | null;
  @Property({ type: bigintNumber(), nullable: true }) usedSeconds?: number | null;
  @Property({ type: bigintNumber(), nullable: true }) billedSeconds?: number | null;
  @Property({ type: 'uuid', nullable: true }) usageRecordId?: string | null;
  @Property({ type: 'json', nullable: true, lazy: true }) commitResponse?: unknown;
}
