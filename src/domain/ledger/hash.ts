// The ledger's hash chain, computed independently of the database so verification does not trust
// the code that wrote the rows: hash = sha256(previous hash ‖ canonical form), the canonical form
// being each field as "<utf-8 byte length>:<text>" ("~" for null) in a fixed order.
import { createHash } from 'node:crypto';
import type { TransactionJson } from '../../db/ledger';

export const GENESIS_HASH = '0'.repeat(64);

/** A ledger entry's hashed fields (vp_entry_json's, src/db/ledger/answers.ts), metadata as text. */
export interface HashableEntry extends Omit<TransactionJson, 'metadata' | 'createdAt' | 'hash'> {
  /** The metadata as Postgres prints jsonb (its canonical text), or null. */
  metadataText: string | null;
  createdAt: Date;
}

function field(v: string | null): string {
  return v === null ? '~' : `${Buffer.byteLength(v, 'utf8')}:${v}`;
}

export function canonicalForm(e: HashableEntry): string {
  return [
    field(e.id),
    field(e.userId),
    field(String(e.sequence)),
    field(e.type),
    field(String(e.amountSeconds)),
    field(String(e.balanceAfterSeconds)),
    field(e.description),
    field(e.metadataText),
    field(e.reference),
    field(e.idempotencyKey),
    field(String(e.createdAt.getTime())),
  ].join('');
}

export function entryHash(previousHash: string, e: HashableEntry): string {
  return createHash('sha256')
    .update(previousHash + canonicalForm(e), 'utf8')
    .digest('hex');
}
