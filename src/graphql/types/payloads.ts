// Mutation payloads: nullable results plus typed userErrors (empty on success).
import { Field, Int, InterfaceType, ObjectType } from 'type-graphql';
import { PlanChangeKindEnum } from './enums';
import { ApiKey, CreditBalance, CreditGrant, CreditTransaction, Membership, Reservation, User, UserError } from './objects';

@InterfaceType({ description: 'Every mutation answers with its results and the business failures, if any.' })
export abstract class MutationPayload {
  @Field(() => [UserError]) userErrors!: UserError[];
}

@ObjectType({ implements: MutationPayload })
export class CreateUserPayload extends MutationPayload {
  @Field(() => User, { nullable: true }) user?: User | null;
}

@ObjectType({ implements: MutationPayload })
export class RecordUsagePayload extends MutationPayload {
  @Field(() => CreditTransaction, { nullable: true, description: 'Null when nothing was paid with credits (all overage).' })
  transaction?: CreditTransaction | null;
  @Field(() => CreditBalance, { nullable: true }) balance?: CreditBalance | null;
  @Field(() => Int, { nullable: true }) billedSeconds?: number | null;
  @Field(() => Int, { nullable: true }) creditSeconds?: number | null;
  @Field(() => Int, { nullable: true }) overageSeconds?: number | null;
}

@ObjectType({
  implements: MutationPayload,
  description: "One item's outcome in a recordUsageBatch, in the order of the input: as recordUsage would answer it.",
})
export class RecordUsageResult extends RecordUsagePayload {
  @Field(() => Int, { description: 'Position of the item in the input (0-based).' }) index!: number;
  @Field(() => String) idempotencyKey!: string;
}

@ObjectType({ implements: MutationPayload })
export class RecordUsageBatchPayload extends MutationPayload {
  @Field(() => [RecordUsageResult], { description: 'One per item, in input order; a failed item has its own userErrors and fails no other.' })
  results!: RecordUsageResult[];
}

@ObjectType({ implements: MutationPayload })
export class ReserveCreditsPayload extends MutationPayload {
  @Field(() => Reservation, { nullable: true }) reservation?: Reservation | null;
  @Field(() => CreditBalance, { nullable: true }) balance?: CreditBalance | null;
}

@ObjectType({ implements: MutationPayload })
export class ExtendReservationPayload extends ReserveCreditsPayload {}

@ObjectType({ implements: MutationPayload })
export class ReleaseReservationPayload extends ReserveCreditsPayload {}

@ObjectType({ implements: MutationPayload })
export class CommitReservationPayload extends RecordUsagePayload {
  @Field(() => Reservation, { nullable: true }) reservation?: Reservation | null;
}

@ObjectType({ implements: MutationPayload })
export class GrantCreditsPayload extends MutationPayload {
  @Field(() => CreditGrant, { nullable: true }) grant?: CreditGrant | null;
  @Field(() => CreditTransaction, { nullable: true }) transaction?: CreditTransaction | null;
  @Field(() => CreditBalance, { nullable: true }) balance?: CreditBalance | null;
}

@ObjectType({ implements: MutationPayload })
export class RefundUsagePayload extends MutationPayload {
  @Field(() => CreditTransaction, { nullable: true }) transaction?: CreditTransaction | null;
  @Field(() => CreditBalance, { nullable: true }) balance?: CreditBalance | null;
}

@ObjectType({ implements: MutationPayload })
export class AdjustCreditsPayload extends MutationPayload {
  @Field(() => CreditTransaction, { nullable: true }) transaction?: CreditTransaction | null;
  @Field(() => CreditBalance, { nullable: true }) balance?: CreditBalance | null;
}

@ObjectType({ implements: MutationPayload })
export class CreateApiKeyPayload extends MutationPayload {
  @Field(() => ApiKey, { nullable: true }) apiKey?: ApiKey | null;
  @Field(() => String, { nullable: true, description: 'The whole key. Shown once; store it now.' }) secret?: string | null;
}

@ObjectType({ implements: MutationPayload })
export class RevokeApiKeyPayload extends MutationPayload {
  @Field(() => ApiKey, { nullable: true }) apiKey?: ApiKey | null;
}

@ObjectType({ implements: MutationPayload })
export class CreateCheckoutSessionPayload extends MutationPayload {
  @Field(() => String, { nullable: true, description: 'Where to send the user to pay.' }) url?: string | null;
  @Field(() => String, { nullable: true }) sessionId?: string | null;
}

@ObjectType({ implements: MutationPayload })
export class CreateTopUpCheckoutSessionPayload extends MutationPayload {
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => String, { nullable: true }) sessionId?: string | null;
  @Field(() => Int, { nullable: true, description: 'What the top-up costs, in cents.' }) amountCents?: number | null;
}

@ObjectType({ implements: MutationPayload })
export class SetOverageLimitPayload extends MutationPayload {
  @Field(() => Membership, { nullable: true }) membership?: Membership | null;
}

@ObjectType({ implements: MutationPayload })
export class CancelMembershipPayload extends MutationPayload {
  @Field(() => Membership, { nullable: true }) membership?: Membership | null;
}

@ObjectType({ implements: MutationPayload })
export class ChangePlanPayload extends MutationPayload {
  @Field(() => PlanChangeKindEnum, { nullable: true }) kind?: keyof typeof PlanChangeKindEnum | null;
  @Field(() => Date, { nullable: true, description: 'When the new plan applies.' }) effectiveAt?: Date | null;
  @Field(() => Boolean, { nullable: true, description: 'An upgrade that applies once the customer completes its payment (e.g. 3-D Secure).' }) paymentPending?:
    boolean | null;
  @Field(() => Membership, { nullable: true }) membership?: Membership | null;
}

@ObjectType({ implements: MutationPayload })
export class CreateBillingPortalSessionPayload extends MutationPayload {
  @Field(() => String, { nullable: true, description: 'Where to send the user.' }) url?: string | null;
}
