import { BigIntType } from '@mikro-orm/core';

/** bigint columns mapped to JS numbers: every amount we store stays far below 2^53. */
export const bigintNumber = () => new BigIntType('number');

export const PLAN_CODES = ['STARTER', 'BUSINESS', 'ENTERPRISE'] as const;
export type PlanCode = (typeof PLAN_CODES)[number];

export const ROLES = ['USER', 'SERVICE', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const MEMBERSHIP_STATUSES = ['INCOMPLETE', 'TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED', 'UNPAID'] as const;
export type MembershipStatus = (typeof MEMBERSHIP_STATUSES)[number];

export const TRANSACTION_TYPES = ['PLAN_GRANT', 'PURCHASE', 'BONUS', 'ROLLOVER', 'USAGE', 'REFUND', 'EXPIRY', 'ADJUSTMENT'] as const;
export type CreditTransactionType = (typeof TRANSACTION_TYPES)[number];

export const GRANT_SOURCES = ['PLAN', 'ROLLOVER', 'PURCHASE', 'BONUS', 'REFUND', 'ADJUSTMENT'] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

export const RESERVATION_STATUSES = ['ACTIVE', 'COMMITTED', 'RELEASED', 'EXPIRED'] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];
