// The closed sets of the API, registered once. Values are the domain's own strings.
import { registerEnumType } from 'type-graphql';
import { GRANT_SOURCES, MEMBERSHIP_STATUSES, PLAN_CODES, RESERVATION_STATUSES, ROLES, TRANSACTION_TYPES } from '../../db/entities/types';
import { ERROR_CODES } from '../../shared/errors';

const asEnum = <T extends string>(values: readonly T[]): Record<T, T> => Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const PlanCodeEnum = asEnum(PLAN_CODES);
export const RoleEnum = asEnum(ROLES);
export const MembershipStatusEnum = asEnum(MEMBERSHIP_STATUSES);
export const CreditTransactionTypeEnum = asEnum(TRANSACTION_TYPES);
export const ReservationStatusEnum = asEnum(RESERVATION_STATUSES);
export const CreditGrantSourceEnum = asEnum(GRANT_SOURCES);
export const ManualGrantSourceEnum = asEnum(['BONUS', 'PURCHASE'] as const);
export const ApiKeyRoleEnum = asEnum(['USER', 'SERVICE'] as const);
export const ErrorCodeEnum = asEnum(ERROR_CODES);
export const UsageAlertKindEnum = asEnum([
  'INCLUDED_50',
  'INCLUDED_80',
  'INCLUDED_100',
  'OVERAGE_STARTED',
  'OVERAGE_LIMIT_80',
  'OVERAGE_LIMIT_100',
  'LOW_BALANCE',
] as const);

registerEnumType(PlanCodeEnum, { name: 'PlanCode' });
registerEnumType(RoleEnum, { name: 'Role' });
registerEnumType(MembershipStatusEnum, { name: 'MembershipStatus' });
registerEnumType(CreditTransactionTypeEnum, { name: 'CreditTransactionType' });
registerEnumType(ReservationStatusEnum, { name: 'ReservationStatus' });
registerEnumType(CreditGrantSourceEnum, { name: 'CreditGrantSource', description: 'Where the credits of a grant came from.' });
registerEnumType(ManualGrantSourceEnum, { name: 'ManualGrantSource', description: 'Sources an admin may grant by hand.' });
registerEnumType(ApiKeyRoleEnum, { name: 'ApiKeyRole' });
registerEnumType(UsageAlertKindEnum, {
  name: 'UsageAlertKind',
  description: '50/80/100 % of the included seconds used, overage started, 80/100 % of the overage allowance, balance under 10 % of the included seconds.',
});
registerEnumType(ErrorCodeEnum, { name: 'ErrorCode', description: 'Business failure codes, named after the broken rule.' });

export const PlanChangeKindEnum = { UPGRADE: 'UPGRADE', DOWNGRADE: 'DOWNGRADE', DOWNGRADE_CANCELED: 'DOWNGRADE_CANCELED' } as const;
registerEnumType(PlanChangeKindEnum, {
  name: 'PlanChangeKind',
  description: 'UPGRADE: now, prorated; DOWNGRADE: at the period end; DOWNGRADE_CANCELED: a scheduled downgrade dropped.',
});
