// A user's ledger as a page: newest first, keyset-paginated by sequence, filtered by type and time.
import { limits } from '../../config/limits';
import type { CreditTransactionType } from '../../db/entities/types';
import { asDate } from '../../shared/time';
import type { Em } from '../../db/em';
import type { LedgerTransaction } from '../ledger/views';

export interface TransactionFilter {
  userId: string;
  /** Page size, clamped to 1…pageSizeMax. */
  first?: number | null;
  /** Entries strictly older than this sequence. */
  beforeSequence?: number | null;
  types?: CreditTransactionType[] | null;
  from?: Date | null;
  to?: Date | null;
}

export interface TransactionPage {
  items: LedgerTransaction[];
  hasNextPage: boolean;
  totalCount: number;
}

export function clampPageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return limits.pageSizeDefault;
  return Math.max(0, Math.min(limits.pageSizeMax, Math.trunc(first))); // first: 0 is an empty page (with totalCount)
}

type Row = Record<string, unknown>;

export function rowToTransaction(r: Row): LedgerTransaction {
  return {
    id: r.id as string,
    userId: r.user_id as string,
    sequence: Number(r.sequence),
    type: r.type as CreditTransactionType,
    amountSeconds: Number(r.amount_seconds),
    balanceAfterSeconds: Number(r.balance_after_seconds),
    description: (r.description as string | null) ?? null,
    metadata: (r.metadata as Record<string, unknown> | null) ?? null,
    reference: (r.reference as string | null) ?? null,
    idempotencyKey: (r.idempotency_key as string | null) ?? null,
    createdAt: asDate(r.created_at as string),
    hash: r.hash as string,
  };
}

export async function listTransactions(em: Em, f: TransactionFilter): Promise<TransactionPage> {
  const size = clampPageSize(f.first);
  const where = ['user_id = ?'];
  const params: unknown[] = [f.userId];
  if (f.types?.length) {
    where.push('type = any(?::text[])');
    params.push(`{${f.types.join(',')}}`); // enum values: nothing to escape
  }
  if (f.from) {
    where.push('created_at >= ?');
    params.push(f.from);
  }
  if (f.to) {
    where.push('created_at < ?');
    params.push(f.to);
  }
  const filter = where.join(' and ');
  const pageWhere = f.beforeSequence ? `${filter} and sequence < ?` : filter;
  const pageParams = f.beforeSequence ? [...params, f.beforeSequence] : params;
  const conn = em.getConnection();
  const [rows, count] = await Promise.all([
    conn.execute<Row[]>(`select * from ledger_entries where ${pageWhere} order by sequence desc limit ?`, [...pageParams, size + 1]),
    conn.execute<{ n: string }[]>(`select count(*) as n from ledger_entries where ${filter}`, params),
  ]);
  return {
    items: rows.slice(0, size).map(rowToTransaction),
    hasNextPage: rows.length > size,
    totalCount: Number(count[0]?.n ?? 0),
  };
}

export async function findTransaction(em: Em, id: string): Promise<LedgerTransaction | null> {
  const [row] = await em.getConnection().execute<Row[]>('select * from ledger_entries where id = ?', [id]);
  return row ? rowToTransaction(row) : null;
}
