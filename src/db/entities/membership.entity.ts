import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { bigintNumber, type MembershipStatus, type PlanCode } from './types';

/** The user's membership, mirrored from Stripe (one row per user). */
@Entity({ tableName: 'memberships' })
export class Membership {
  @PrimaryKey({ type: 'uuid' }) id!: string;
  @Property({ type: 'uuid' }) userId!: string;
  @Property({ type: 'text' }) planCode!: PlanCode;
  @Property({ type: 'text' }) status!: MembershipStatus;
  @Property({ type: 'Date', nullable: true }) currentPeriodStart?: Date | null;
  @Property({ type: 'Date', nullable: true }) currentPeriodEnd?: Date | null;
  @Property({ type: 'boolean' }) cancelAtPeriodEnd!: boolean;
  /** null: the plan's monthly price (billing rules §4). */
  @Property({ type: bigintNumber(), nullable: true }) overageLimitCents?: number | null;
  @Property({ type: 'text', nullable: true }) stripeCustomerId?: string | null;
  @Property({ type: 'text', nullable: true }) stripeSubscriptionId?: string | null;
  /** Time of the newest Stripe event applied; older ones arriving late change nothing. */
  @Property({ type: 'Date', nullable: true }) stripeEventAt?: Date | null;
  @Property({ type: 'Date' }) createdAt!: Date;
  @Property({ type: 'Date' }) updatedAt!: Date;
}
