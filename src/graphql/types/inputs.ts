// Inputs of the mutations: one input object each (graphql-contract.md).
import { Field, ID, InputType, Int } from 'type-graphql';
import type { Role } from '../../db/entities/types';
import type { PlanCode } from '../../db/entities/types';
import { ApiKeyRoleEnum, ManualGrantSourceEnum, PlanCodeEnum, RoleEnum } from './enums';

@InputType()
export class CreateUserInput {
  @Field(() => String) email!: string;
  @Field(() => RoleEnum, { nullable: true, description: 'ADMIN only; default USER.' }) role?: Role | null;
  @Field(() => String, { nullable: true, description: 'IANA time zone; default Europe/Berlin.' }) timeZone?: string | null;
}

@InputType()
export class RecordUsageInput {
  @Field(() => ID) userId!: string;
  @Field(() => Int, { description: 'Seconds the call used.' }) seconds!: number;
  @Field(() => String) idempotencyKey!: string;
  @Field(() => String, { nullable: true }) callId?: string | null;
  @Field(() => Date, { nullable: true }) occurredAt?: Date | null;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType({ description: 'One finished call in a recordUsageBatch: the fields of RecordUsageInput.' })
export class RecordUsageItemInput extends RecordUsageInput {}

@InputType()
export class RecordUsageBatchInput {
  @Field(() => [RecordUsageItemInput], { description: 'At most 1,000 items, each with its own idempotency key.' }) items!: RecordUsageItemInput[];
}

@InputType()
export class ReserveCreditsInput {
  @Field(() => ID) userId!: string;
  @Field(() => Int) seconds!: number;
  @Field(() => String) idempotencyKey!: string;
  @Field(() => Int, { nullable: true, description: 'Default 300, at most 3600.' }) ttlSeconds?: number | null;
}

@InputType()
export class ExtendReservationInput {
  @Field(() => ID) reservationId!: string;
  @Field(() => Int, { description: 'Seconds to add (0 renews the TTL only).' }) seconds!: number;
  @Field(() => Int, { nullable: true }) ttlSeconds?: number | null;
  @Field(() => String, { description: 'Client-chosen, ≤ 128 chars: a retry with the same key and input answers the first extend and adds nothing again.' })
  idempotencyKey!: string;
}

@InputType()
export class CommitReservationInput {
  @Field(() => ID) reservationId!: string;
  @Field(() => Int) usedSeconds!: number;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@InputType()
export class ReleaseReservationInput {
  @Field(() => ID) reservationId!: string;
}

@InputType()
export class GrantCreditsInput {
  @Field(() => ID) userId!: string;
  @Field(() => Int) seconds!: number;
  @Field(() => ManualGrantSourceEnum) source!: 'BONUS' | 'PURCHASE';
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
  @Field(() => String, { nullable: true }) reason?: string | null;
  @Field(() => String) idempotencyKey!: string;
}

@InputType()
export class RefundUsageInput {
  @Field(() => ID) transactionId!: string;
  @Field(() => Int) seconds!: number;
  @Field(() => String, { nullable: true }) reason?: string | null;
  @Field(() => String) idempotencyKey!: string;
}

@InputType()
export class AdjustCreditsInput {
  @Field(() => ID) userId!: string;
  @Field(() => Int, { description: 'Signed, never 0: positive adds a non-expiring ADJUSTMENT grant, negative removes (never below 0). |seconds| ≤ 2,678,400.' })
  seconds!: number;
  @Field(() => String, { description: 'Why, for the ledger entry: required, at most 500 characters.' }) reason!: string;
  @Field(() => String) idempotencyKey!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String) name!: string;
  @Field(() => ApiKeyRoleEnum, { nullable: true, description: 'SERVICE keys: ADMIN only, for a SERVICE user.' }) role?: 'USER' | 'SERVICE' | null;
  @Field(() => ID, { nullable: true, description: 'Whose key; default yourself.' }) userId?: string | null;
}

@InputType()
export class RevokeApiKeyInput {
  @Field(() => ID) id!: string;
}

@InputType()
export class CreateCheckoutSessionInput {
  @Field(() => PlanCodeEnum) plan!: PlanCode;
  @Field(() => String) successUrl!: string;
  @Field(() => String) cancelUrl!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Client-chosen, ≤ 128 chars: a retry with the same key answers the same session and asks Stripe for nothing new.',
  })
  idempotencyKey?: string | null;
}

@InputType()
export class CreateTopUpCheckoutSessionInput {
  @Field(() => Int, { description: "Minutes to buy, at the plan's overage rate." }) minutes!: number;
  @Field(() => String) successUrl!: string;
  @Field(() => String) cancelUrl!: string;
  @Field(() => String, {
    nullable: true,
    description: 'Client-chosen, ≤ 128 chars: a retry with the same key answers the same session and asks Stripe for nothing new.',
  })
  idempotencyKey?: string | null;
}

@InputType()
export class SetOverageLimitInput {
  @Field(() => Int, { description: 'Cap on overage cost per period, in cents; 0 disables overage.' }) overageLimitCents!: number;
  @Field(() => ID, { nullable: true, description: 'ADMIN: whose; USER: yourself.' }) userId?: string | null;
}

@InputType()
export class ChangePlanInput {
  @Field(() => PlanCodeEnum, {
    description: 'The plan to move to. Larger: now, prorated. Smaller: at the period end. The current one: drops a scheduled downgrade.',
  })
  plan!: PlanCode;
  @Field(() => String, { description: 'Client-chosen, ≤ 128 chars: a retry with the same key changes nothing twice.' }) idempotencyKey!: string;
}

@InputType()
export class CreateBillingPortalSessionInput {
  @Field(() => String, { description: 'Where the portal sends the user back to.' }) returnUrl!: string;
}

@InputType()
export class CancelMembershipInput {
  @Field(() => Boolean, { defaultValue: true, description: 'At the end of the paid period (default), or now.' }) atPeriodEnd!: boolean;
}
