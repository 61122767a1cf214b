// Periods and balances: closing a period (vp_close_period, vp_close_canceled_period), a user's
// cancelled periods (vp_close_canceled_periods, vp_end_canceled_periods), the balance settled now
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

const periodParams = { periodId: 'p_period', now: 'p_now' } as const;
const userParams = { userId: 'p_user', now: 'p_now' } as const;

export const vpClosePeriod = ledgerFunction<PeriodArgs, PeriodCloseAnswer>('vp_close_period', periodParams);
export const vpCloseCanceledPeriod = ledgerFunction<PeriodArgs, PeriodCloseAnswer>('vp_close_canceled_period', periodParams);
export const vpCloseCanceledPeriods = ledgerFunction<UserArgs, PeriodCloseAnswer[]>('vp_close_canceled_periods', userParams);
export const vpEndCanceledPeriods = ledgerFunction<UserArgs, PeriodCloseAnswer[]>('vp_end_canceled_periods', userParams);

/** The balance, settled now (expired holds and grants written off under the user's lock when due). */
export const vpReadBalance = ledgerFunction<UserArgs, BalanceJson>('vp_read_balance', userParams);
export const vpTouchUser = ledgerFunction<UserArgs, BalanceJson>('vp_touch_user', userParams);

/** One pass of the usage rollup; it takes its own advisory lock, so it runs without the lock-wait bound (lockWaitMs: null). */
export const vpRefreshUsageRollups = ledgerFunction<{ batchMax: number }, RollupPassJson>('vp_refresh_usage_rollups', {
  batchMax: 'p_batch_max',
});
