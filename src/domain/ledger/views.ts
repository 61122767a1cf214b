// The shapes the ledger use cases answer with, mapped from the ledger functions' JSON
// (src/db/ledger/answers.ts): the same fields, with times as Dates and codes as their unions.
import type { BalanceJson, GrantJson, ReservationJson, TransactionJson, UsageAnswerJson } from '../../db/ledger';
import type { CreditTransactionType, GrantSource, ReservationStatus } from '../../db/entities/types';

export interface LedgerTransaction extends Omit<TransactionJson, 'type' | 'createdAt'> {
  type: CreditTransactionType;
  createdAt: Date;
}

export interface BalanceSnapshot extends Omit<BalanceJson, 'updatedAt'> {
  /** balance − active holds, never shown below 0 (holds may lean on the overage allowance). */
  availableSeconds: number;
  updatedAt: Date;
}

export interface ReservationView extends Omit<ReservationJson, 'status' | 'expiresAt' | 'createdAt'> {
  status: ReservationStatus;
  expiresAt: Date;
  createdAt: Date;
}

export interface GrantView extends Omit<GrantJson, 'source' | 'expiresAt' | 'createdAt'> {
  source: GrantSource;
  expiresAt: Date | null;
  createdAt: Date;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const date = (v: string | null | undefined): Date | null => (v ? new Date(v) : null);

export function toTransaction(j: Json): LedgerTransaction {
  return {
    id: j.id,
    userId: j.userId,
    sequence: j.sequence,
    type: j.type,
    amountSeconds: j.amountSeconds,
    balanceAfterSeconds: j.balanceAfterSeconds,
    description: j.description ?? null,
    metadata: j.metadata ?? null,
    reference: j.reference ?? null,
    idempotencyKey: j.idempotencyKey ?? null,
    createdAt: new Date(j.createdAt),
    hash: j.hash,
  };
}

export function toBalance(j: Json): BalanceSnapshot {
  return {
    userId: j.userId,
    balanceSeconds: j.balanceSeconds,
    reservedSeconds: j.reservedSeconds,
    availableSeconds: Math.max(0, j.balanceSeconds - j.reservedSeconds),
    version: j.version,
    updatedAt: new Date(j.updatedAt),
  };
}

export function toReservation(j: Json): ReservationView {
  return {
    id: j.id,
    userId: j.userId,
    status: j.status,
    reservedSeconds: j.reservedSeconds,
    allowedSeconds: j.allowedSeconds,
    expiresAt: new Date(j.expiresAt),
    createdAt: new Date(j.createdAt),
    usedSeconds: j.usedSeconds ?? null,
    billedSeconds: j.billedSeconds ?? null,
  };
}

export function toGrant(j: Json): GrantView {
  return {
    id: j.id,
    source: j.source,
    grantedSeconds: j.grantedSeconds,
    remainingSeconds: j.remainingSeconds,
    expiresAt: date(j.expiresAt),
    reference: j.reference ?? null,
    periodId: j.periodId ?? null,
    createdAt: new Date(j.createdAt),
  };
}

/** What a recorded call came to: billed seconds split into credits, overage and uncovered. */
export interface UsageOutcome extends Omit<UsageAnswerJson, 'transaction' | 'balance' | 'alerts'> {
  transaction: LedgerTransaction | null;
  balance: BalanceSnapshot;
}

export function toUsageOutcome(j: Json): UsageOutcome {
  return {
    usageRecordId: j.usageRecordId,
    usedSeconds: j.usedSeconds,
    billedSeconds: j.billedSeconds,
    creditSeconds: j.creditSeconds,
    overageSeconds: j.overageSeconds,
    overCapSeconds: j.overCapSeconds,
    uncoveredSeconds: j.uncoveredSeconds,
    transaction: j.transaction ? toTransaction(j.transaction) : null,
    balance: toBalance(j.balance),
  };
}
