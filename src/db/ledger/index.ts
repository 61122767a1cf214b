// The typed boundary between TypeScript and the ledger's SQL functions: one wrapper per vp_
// function called from TS (named arguments, a typed answer). Call a ledger function only through
// these; test/integration/ledger-boundary.test.ts holds them to the migrated database.
import type { LedgerParam, RunOptions } from './call';
import { vpAdjust, vpExpireUnpaidRenewal, vpGrant, vpGrantPlan, vpGrantUpgrade } from './grants';
import { vpCommitReservation, vpExtendReservation, vpReleaseReservation, vpReserve } from './holds';
import { vpCloseCanceledPeriods, vpClosePeriod, vpReadBalance, vpRefreshUsageRollups, vpTouchUser } from './periods';
import { vpRecordUsage, vpRecordUsageMany, vpRefundUsage } from './usage';

export * from './answers';
export * from './call';
export * from './grants';
export * from './holds';
export * from './periods';
export * from './usage';

/** Every ledger function TypeScript calls: its SQL name and parameters, in the function's order. */
export const LEDGER_FUNCTIONS: readonly {
  readonly sqlName: string;
  readonly params: readonly LedgerParam[];
  statement(opts?: RunOptions): string;
}[] = [
  vpAdjust,
  vpExpireUnpaidRenewal,
  vpGrant,
  vpGrantPlan,
  vpGrantUpgrade,
  vpCommitReservation,
  vpExtendReservation,
  vpReleaseReservation,
  vpReserve,
  vpCloseCanceledPeriods,
  vpClosePeriod,
  vpReadBalance,
  vpRefreshUsageRollups,
  vpTouchUser,
  vpRecordUsage,
  vpRecordUsageMany,
  vpRefundUsage,
];
