// The API of personal data (billing rules §10) and of the books' checks: consents, export, erasure,
// the audit log and ledger verification.
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSON, GraphQLSafeInt } from 'graphql-scalars';
import { ACTOR_ROLES, AUDIT_ACTIONS, type ActorRole, type AuditAction } from '../../domain/audit/audit';
import { CONSENT_PURPOSES, type ConsentPurpose } from '../../domain/gdpr/consents';
import { PageInfo } from './objects';
import { MutationPayload } from './payloads';

const asEnum = <T extends string>(values: readonly T[]): Record<T, T> => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const ConsentPurposeEnum = asEnum(CONSENT_PURPOSES);
export const AuditActionEnum = asEnum(AUDIT_ACTIONS);
export const AuditActorRoleEnum = asEnum(ACTOR_ROLES);
export const AccountDeletionStatusEnum = asEnum(['PENDING', 'COMPLETED'] as const);

registerEnumType(ConsentPurposeEnum, { name: 'ConsentPurpose', description: 'What a consent is for.' });
registerEnumType(AuditActionEnum, { name: 'AuditAction' });
registerEnumType(AuditActorRoleEnum, { name: 'AuditActorRole', description: 'The role of who acted; SYSTEM for jobs, STRIPE for Stripe webhooks.' });
registerEnumType(AccountDeletionStatusEnum, { name: 'AccountDeletionStatus' });

@ObjectType({ description: 'One decision in the consent history (kept forever, never changed).' })
export class ConsentRecord {
  @Field(() => ID) id!: string;
  @Field(() => ID) userId!: string;
  @Field(() => ConsentPurposeEnum) purpose!: ConsentPurpose;
  @Field(() => Boolean) granted!: boolean;
  @Field(() => String) policyVersion!: string;
  @Field(() => String, { description: 'Where the decision was made, e.g. "web", "app:ios", "support".' }) source!: string;
  @Field(() => AuditActorRoleEnum, { description: 'The role of who recorded it (the user, or an admin for them).' }) recordedByRole!: ActorRole;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'The current decision for one purpose: its newest record, or not granted when never decided.' })
export class ConsentState {
  @Field(() => ConsentPurposeEnum) purpose!: ConsentPurpose;
  @Field(() => Boolean) granted!: boolean;
  @Field(() => String, { nullable: true }) policyVersion?: string | null;
  @Field(() => String, { nullable: true }) source?: string | null;
  @Field(() => Date, { nullable: true }) changedAt?: Date | null;
}

@ObjectType()
export class ConsentRecordEdge {
  @Field(() => String) cursor!: string;
  @Field(() => ConsentRecord) node!: ConsentRecord;
}

@ObjectType({ description: 'The consent history, newest first, with the current state per purpose.' })
export class ConsentConnection {
  @Field(() => [ConsentRecordEdge]) edges!: ConsentRecordEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
  @Field(() => [ConsentState]) current!: ConsentState[];
}

@InputType()
export class GrantConsentInput {
  @Field(() => ID, { nullable: true, description: 'ADMIN: whose; USER: yourself.' }) userId?: string | null;
  @Field(() => ConsentPurposeEnum) purpose!: ConsentPurpose;
  @Field(() => String, { description: 'The version of the policy agreed to: 1–32 of A–Z a–z 0–9 . _ -' }) policyVersion!: string;
  @Field(() => String, { description: 'Where it was given: 1–64 of A–Z a–z 0–9 . _ : -' }) source!: string;
}

@InputType()
export class RevokeConsentInput {
  @Field(() => ID, { nullable: true, description: 'ADMIN: whose; USER: yourself.' }) userId?: string | null;
  @Field(() => ConsentPurposeEnum) purpose!: ConsentPurpose;
  @Field(() => String, { nullable: true, description: 'Default: the version that was granted.' }) policyVersion?: string | null;
  @Field(() => String) source!: string;
}

@ObjectType({ implements: MutationPayload })
export class GrantConsentPayload extends MutationPayload {
  @Field(() => ConsentRecord, { nullable: true, description: 'Null when it was granted already (nothing changed).' }) record?: ConsentRecord | null;
  @Field(() => [ConsentState], { nullable: true }) consents?: ConsentState[] | null;
}

@ObjectType({ implements: MutationPayload })
export class RevokeConsentPayload extends MutationPayload {
  @Field(() => ConsentRecord, { nullable: true, description: 'Null when it was not granted (nothing changed).' }) record?: ConsentRecord | null;
  @Field(() => [ConsentState], { nullable: true }) consents?: ConsentState[] | null;
}

@InputType()
export class ExportMyDataInput {
  @Field(() => ID, { nullable: true, description: 'ADMIN: whose; USER: yourself.' }) userId?: string | null;
}

@ObjectType({ implements: MutationPayload })
export class ExportMyDataPayload extends MutationPayload {
  @Field(() => String, { nullable: true, description: "GET it (relative to this API's origin) for one JSON document; no other credential needed." })
  url?: string | null;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
}

@InputType()
export class RequestAccountDeletionInput {
  @Field(() => ID, { nullable: true, description: 'ADMIN: whose; USER: yourself.' }) userId?: string | null;
}

@ObjectType({ description: 'An erasure of an account: personal data replaced by a pseudonym, the books kept.' })
export class AccountDeletionRequest {
  @Field(() => ID) userId!: string;
  @Field(() => AccountDeletionStatusEnum) status!: 'PENDING' | 'COMPLETED';
  @Field(() => Date) requestedAt!: Date;
  @Field(() => Date, { nullable: true }) completedAt?: Date | null;
}

@ObjectType({ implements: MutationPayload })
export class RequestAccountDeletionPayload extends MutationPayload {
  @Field(() => AccountDeletionRequest, { nullable: true }) request?: AccountDeletionRequest | null;
}

@ObjectType({ description: 'Who did what to whom, when, before and after. Holds no personal data.' })
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => Date) occurredAt!: Date;
  @Field(() => ID, { nullable: true, description: 'Null for the system.' }) actorId?: string | null;
  @Field(() => AuditActorRoleEnum) actorRole!: ActorRole;
  @Field(() => AuditActionEnum) action!: AuditAction;
  @Field(() => ID, { nullable: true }) targetUserId?: string | null;
  @Field(() => String, { nullable: true, description: 'The object acted on (transaction, key, event, consent record).' }) subjectId?: string | null;
  @Field(() => GraphQLJSON, { nullable: true }) before?: Record<string, unknown> | null;
  @Field(() => GraphQLJSON, { nullable: true }) after?: Record<string, unknown> | null;
}

@ObjectType()
export class AuditEntryEdge {
  @Field(() => String) cursor!: string;
  @Field(() => AuditEntry) node!: AuditEntry;
}

@ObjectType()
export class AuditEntryConnection {
  @Field(() => [AuditEntryEdge]) edges!: AuditEntryEdge[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@ObjectType({ description: 'A breach of a ledger invariant (billing rules §6, numbered 1–7).' })
export class LedgerProblem {
  @Field(() => Int) invariant!: number;
  @Field(() => Int, { nullable: true }) sequence?: number | null;
  @Field(() => String) message!: string;
}

@ObjectType({ description: "One user's books checked against every invariant and the hash chain." })
export class LedgerVerification {
  @Field(() => ID) userId!: string;
  @Field(() => Boolean) ok!: boolean;
  @Field(() => GraphQLSafeInt) balanceSeconds!: number;
  @Field(() => Int) entriesChecked!: number;
  @Field(() => Int, { nullable: true, description: 'The first sequence number at which something is wrong.' }) firstBadSequence?: number | null;
  @Field(() => [Int], { description: 'The invariants broken at the first bad sequence (all broken ones when no entry is at fault).' })
  firstBadInvariants!: number[];
  @Field(() => [LedgerProblem]) problems!: LedgerProblem[];
}
