// The JSON the ledger functions answer with (jsonb, parsed by pg): times are ISO strings, seconds
// whole numbers. The domain maps them to its views (src/domain/ledger/views.ts).

/** A timestamptz as jsonb renders it. */
export type IsoTime = string;

/** vp_balance_json */
export interface BalanceJson {
  userId: string;
  balanceSeconds: number;
  reservedSeconds: number;
  version: number;
  updatedAt: IsoTime;
}

/** vp_entry_json: one ledger entry. */
export interface TransactionJson {
  id: string;
  userId: string;
  sequence: number;
  type: string;
  amountSeconds: number;
  balanceAfterSeconds: number;
  description: string | null;
  metadata: Record<string, unknown> | null;
  reference: string | null;
  idempotencyKey: string | null;
  createdAt: IsoTime;
  hash: string;
}

/** vp_grant_json */
export interface GrantJson {
  id: string;
  source: string;
  grantedSeconds: number;
  remainingSeconds: number;
  expiresAt: IsoTime | null;
  reference: string | null;
  periodId: string | null;
  createdAt: IsoTime;
}

/** vp_reservation_json */
export interface ReservationJson {
  id: string;
  userId: string;
  status: string;
  reservedSeconds: number;
  allowedSeconds: number;
  expiresAt: IsoTime;
  createdAt: IsoTime;
  usedSeconds: number | null;
  billedSeconds: number | null;
}

/** vp_usage_alerts: the alerts a usage raised (published after the commit). */
export interface UsageAlertJson {
  id: string;
  userId: string;
  periodId: string;
  kind: string;
  usedSeconds: number;
  includedSeconds: number;
  overageSeconds: number;
  balanceSeconds: number;
  createdAt: IsoTime;
}

/** vp_grant, vp_grant_plan, vp_grant_upgrade (the latter with grant null when nothing was left to grant). */
export interface GrantAnswer {
  grant: GrantJson;
  transaction: TransactionJson;
  balance: BalanceJson;
}

/** vp_adjust */
export interface AdjustAnswer {
  transaction: TransactionJson;
  balance: BalanceJson;
}

/** vp_reserve, vp_extend_reservation, vp_release_reservation */
export interface ReservationAnswer {
  reservation: ReservationJson;
  balance: BalanceJson;
}

/** vp_record_usage (and each item of a batch), vp_commit_reservation (with its reservation). */
export interface UsageAnswerJson {
  usageRecordId: string;
  usedSeconds: number;
  billedSeconds: number;
  creditSeconds: number;
  overageSeconds: number;
  overCapSeconds: number;
  uncoveredSeconds: number;
  transaction: TransactionJson | null;
  balance: BalanceJson;
  alerts?: UsageAlertJson[];
}

export interface CommitAnswer extends UsageAnswerJson {
  reservation: ReservationJson;
}

/** vp_refund_usage */
export interface RefundAnswer {
  transaction: TransactionJson;
  grants: { seconds: number; expiresAt: IsoTime | null }[];
  balance: BalanceJson;
}

/** vp_close_period, vp_close_canceled_period; each element of vp_close_canceled_periods / vp_end_canceled_periods. */
export interface PeriodCloseAnswer {
  periodId: string;
  userId: string;
  periodStart: IsoTime;
  periodEnd: IsoTime;
  expiredSeconds: number;
  rolloverSeconds: number;
  overageSeconds: number;
  overCapSeconds: number;
  overageCents: number;
  balance: BalanceJson;
}

/** vp_expire_unpaid_renewal */
export interface UnpaidRenewalAnswer {
  grantId: string;
  userId: string;
  /** The grant was confirmed paid meanwhile: nothing expired. */
  confirmed: boolean;
  expiredSeconds: number;
  usedSeconds: number;
  invoice?: string | null;
  transaction: TransactionJson | null;
  balance: BalanceJson;
}

/** One item's outcome in vp_record_usage_batch / vp_record_usage_many. */
export interface UsageBatchItemJson {
  ok?: UsageAnswerJson;
  /** A business failure (its code). */
  failure?: string;
  /** The item's user was locked by another transaction (batch only): it goes again alone. */
  busy?: true;
  error?: string;
  sqlstate?: string;
  detail?: string | null;
}

/** vp_refresh_usage_rollups: one pass. */
export interface RollupPassJson {
  consumed: number;
  more: boolean;
  lastId: string;
  horizonAt: IsoTime;
  /** When the pass looked at the open transactions. */
  at: IsoTime;
}
