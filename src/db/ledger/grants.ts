// Grants and corrections: credits into an account (vp_grant, vp_grant_plan, vp_grant_upgrade), a
// correction by hand (vp_adjust), and what is left of an unpaid renewal expiring (vp_expire_unpaid_renewal).
import type { AdjustAnswer, GrantAnswer, UnpaidRenewalAnswer } from './answers';
import { ledgerFunction } from './call';

/** The ledger's clock: null → the database's statement_timestamp(). */
export type LedgerNow = Date | null;

export interface GrantArgs {
  userId: string;
  source: 'BONUS' | 'PURCHASE';
  seconds: number;
  expiresAt: Date | null;
  reference: string | null;
  idempotencyKey: string;
  fingerprint: string;
  description: string | null;
  /** JSON text. */
  metadata: string | null;
  periodId: string | null;
  now: LedgerNow;
}

export const vpGrant = ledgerFunction<GrantArgs, GrantAnswer>('vp_grant', {
  userId: 'p_user',
  source: 'p_source',
  seconds: 'p_seconds',
  expiresAt: 'p_expires_at',
  reference: 'p_reference',
  idempotencyKey: 'p_key',
  fingerprint: 'p_fingerprint',
  description: 'p_description',
  metadata: 'p_metadata',
  periodId: 'p_period',
  now: 'p_now',
});

export interface GrantPlanArgs {
  userId: string;
  subscriptionId: string;
  periodStart: Date;
  periodEnd: Date;
  planCode: string;
  now: LedgerNow;
}

export const vpGrantPlan = ledgerFunction<GrantPlanArgs, GrantAnswer>('vp_grant_plan', {
  userId: 'p_user',
  subscriptionId: 'p_subscription',
  periodStart: 'p_period_start',
  periodEnd: 'p_period_end',
  planCode: 'p_plan',
  now: 'p_now',
});

export interface GrantUpgradeArgs {
  userId: string;
  subscriptionId: string;
  invoiceId: string;
  periodEnd: Date;
  fromPlan: string;
  toPlan: string;
  changedAt: Date;
  now: LedgerNow;
}

/** grant null: nothing was left to grant (the change came at the very end of the period). */
export type GrantUpgradeAnswer = Omit<GrantAnswer, 'grant'> & { grant: GrantAnswer['grant'] | null };

export const vpGrantUpgrade = ledgerFunction<GrantUpgradeArgs, GrantUpgradeAnswer>('vp_grant_upgrade', {
  userId: 'p_user',
  subscriptionId: 'p_subscription',
  invoiceId: 'p_invoice',
  periodEnd: 'p_period_end',
  fromPlan: 'p_from',
  toPlan: 'p_to',
  changedAt: 'p_changed_at',
  now: 'p_now',
});

export interface AdjustArgs {
  userId: string;
  /** Signed: positive adds, negative removes. */
  seconds: number;
  reason: string;
  idempotencyKey: string;
  fingerprint: string;
  now: LedgerNow;
}

export const vpAdjust = ledgerFunction<AdjustArgs, AdjustAnswer>('vp_adjust', {
  userId: 'p_user',
  seconds: 'p_seconds',
  reason: 'p_reason',
  idempotencyKey: 'p_key',
  fingerprint: 'p_fingerprint',
  now: 'p_now',
});

export interface ExpireUnpaidRenewalArgs {
  grantId: string;
  subscriptionId: string;
  invoiceId: string | null;
  now: LedgerNow;
}

export const vpExpireUnpaidRenewal = ledgerFunction<ExpireUnpaidRenewalArgs, UnpaidRenewalAnswer>('vp_expire_unpaid_renewal', {
  grantId: 'p_grant',
  subscriptionId: 'p_subscription',
  invoiceId: 'p_invoice',
  now: 'p_now',
});
