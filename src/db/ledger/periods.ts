// Periods and balances: closing a period (vp_close_period), a user's cancelled periods
// (vp_close_canceled_periods), the balance settled now
// (vp_read_balance, vp_touch_user), and the usage rollup (vp_refresh_usage_rollups).
import type { BalanceJson, PeriodCloseAnswer, RollupPassJson } from './answers';
import { ledgerFunction } from './call';
import type { LedgerNow } from './grants';

export interface PeriodArgs {
  periodId: string;
  now: LedgerNow;
}

export interface UserArgs {
  userId: string;
  now: LedgerNow;
}

const userParams = { userId: 'p_user', now: 'p_now' } as const;

/**
 * How a period closes: null, its end has passed (the sweep); else its membership was cancelled at
 * once and it closes now, its PLAN seconds left kept until their grants' end or expiring now.
 */
export type EarlyClose = 'KEEP_PLAN_SECONDS' | 'EXPIRE_PLAN_SECONDS' | null;

export const vpClosePeriod = ledgerFunction<PeriodArgs & { early: EarlyClose }, PeriodCloseAnswer>('vp_close_period', {
  periodId: 'p_period',
  early: 'p_early',
  now: 'p_now',
});
/** expireNow: the PLAN seconds left expire now (an immediate cancellation), else they are kept until their grants' end. */
export const vpCloseCanceledPeriods = ledgerFunction<UserArgs & { expireNow: boolean }, PeriodCloseAnswer[]>('vp_close_canceled_periods', {
  userId: 'p_user',
  expireNow: 'p_expire_now',
  now: 'p_now',
});

/** The balance, settled now (expired holds and grants written off under the user's lock when due). */
export const vpReadBalance = ledgerFunction<UserArgs, BalanceJson>('vp_read_balance', userParams);
export const vpTouchUser = ledgerFunction<UserArgs, BalanceJson>('vp_touch_user', userParams);

/** One pass of the usage rollup; it takes its own advisory lock, so it runs without the lock-wait bound (lockWaitMs: null). */
export const vpRefreshUsageRollups = ledgerFunction<{ batchMax: number }, RollupPassJson>('vp_refresh_usage_rollups', {
  batchMax: 'p_batch_max',
});
