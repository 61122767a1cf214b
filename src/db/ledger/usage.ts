// Usage: a finished call (vp_record_usage), calls in one statement (vp_record_usage_many: a batch
// whose locked users come back busy, or one user's calls waiting for their lock), and a refund of
// a usage (vp_refund_usage).
import type { RefundAnswer, UsageAnswerJson, UsageBatchItemJson } from './answers';
import { ledgerFunction } from './call';
import type { LedgerNow } from './grants';

export interface RecordUsageArgs {
  userId: string;
  seconds: number;
  idempotencyKey: string;
  fingerprint: string;
  callId: string | null;
  /** ISO time. */
  occurredAt: string | null;
  description: string | null;
  /** ISO time; null: the database's clock. */
  now: string | null;
  backdateMaxSeconds: number;
}

export const vpRecordUsage = ledgerFunction<RecordUsageArgs, UsageAnswerJson>('vp_record_usage', {
  userId: 'p_user',
  seconds: 'p_seconds',
  idempotencyKey: 'p_key',
  fingerprint: 'p_fingerprint',
  callId: 'p_call_id',
  occurredAt: 'p_occurred_at',
  description: 'p_description',
  now: 'p_now',
  backdateMaxSeconds: 'p_backdate_max_seconds',
});

export interface RecordUsageItemsArgs {
  /** JSON text: an array of items shaped like RecordUsageArgs without backdateMaxSeconds. */
  items: string;
  backdateMaxSeconds: number;
  /**
   * A user locked by another transaction past the statement's lock wait: true, that user's items
   * come back busy (a batch); false, the first fails with 55P03 and the later ones at once.
   */
  lockedBusy: boolean;
}

export const vpRecordUsageMany = ledgerFunction<RecordUsageItemsArgs, UsageBatchItemJson[]>('vp_record_usage_many', {
  items: 'p_items::jsonb',
  backdateMaxSeconds: 'p_backdate_max_seconds',
  lockedBusy: 'p_locked_busy',
});

export interface RefundUsageArgs {
  transactionId: string;
  seconds: number;
  reason: string | null;
  idempotencyKey: string;
  fingerprint: string;
  fallbackExpiryDays: number;
  now: LedgerNow;
}

export const vpRefundUsage = ledgerFunction<RefundUsageArgs, RefundAnswer>('vp_refund_usage', {
  transactionId: 'p_entry',
  seconds: 'p_seconds',
  reason: 'p_reason',
  idempotencyKey: 'p_key',
  fingerprint: 'p_fingerprint',
  fallbackExpiryDays: 'p_fallback_days',
  now: 'p_now',
});
