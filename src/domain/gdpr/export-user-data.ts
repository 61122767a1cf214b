// Export (Art. 15/20, billing rules §10): one JSON document with everything held about a user,
// streamed. A caller gets a short-lived link (only the token's SHA-256 is stored, like an API
// key); the download reads every table page by page (keyset cursors, `exportPageRowsMax` rows at
// a time) inside one read-only snapshot and writes each page as it comes, so memory stays bounded
// whatever the size of the ledger. Postgres renders the rows (row_to_json): numbers stay numbers,
// keys are the column names.
import { createHash, randomBytes } from 'node:crypto';
import { limits } from '../../config/limits';
import { withTransaction, type Tx } from '../../db/transaction';
import { ErrorCode, fail, ok, type Result } from '../../shared/errors';
import { asDate } from '../../shared/time';
import { writeAudit, type Actor } from '../audit/audit';
import type { Em } from '../../db/em';
import { checkId } from '../ledger/validate';

export const EXPORT_FORMAT = 'voicepartnerai.personal-data-export';
export const EXPORT_VERSION = 1;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export interface ExportLink {
  exportId: string;
  token: string;
  expiresAt: Date;
}

/** A download link for the user's data, valid `exportLinkTtlSeconds`; audited. */
export async function createExportLink(deps: { em: Em; actor: Actor }, input: { userId: string }): Promise<Result<ExportLink>> {
  const bad = checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  const token = randomBytes(32).toString('base64url');
  return withTransaction(deps.em, async (tx) => {
    const [user] = await tx.query('select id from users where id = $1', [input.userId]);
    if (!user) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
    const [row] = await tx.query<{ id: string; expires_at: string | Date }>(
      `insert into data_exports (user_id, requested_by, requested_by_role, token_hash, expires_at)
       values ($1, $2, $3, $4, now() + make_interval(secs => $5)) returning id, expires_at`,
      [input.userId, deps.actor.id, deps.actor.role, hashToken(token), limits.exportLinkTtlSeconds],
    );
    await writeAudit(tx, {
      actor: deps.actor,
      action: 'DATA_EXPORT_REQUESTED',
      targetUserId: input.userId,
      subjectId: row!.id,
      after: { exportId: row!.id, expiresAt: asDate(row!.expires_at).toISOString() },
    });
    return ok({ exportId: row!.id, token, expiresAt: asDate(row!.expires_at) });
  });
}

/** The user a download token is for, while it is valid; null for a malformed, unknown or expired one. */
export async function redeemExportToken(em: Em, token: string): Promise<{ exportId: string; userId: string } | null> {
  if (!TOKEN.test(token)) return null;
  const [row] = await em.getConnection().execute<{ id: string; user_id: string }[]>(
    `update data_exports set downloaded_at = coalesce(downloaded_at, now())
      where token_hash = ? and expires_at > now() returning id, user_id`,
    [hashToken(token)],
  );
  return row ? { exportId: row.id, userId: row.user_id } : null;
}

/** Where the document goes; `write` resolves when the chunk may be followed by the next (backpressure). */
export interface ExportSink {
  write(chunk: string): Promise<void>;
}

interface Single {
  name: string;
  sql: string;
}

interface List {
  name: string;
  /** Selected columns and the owner filter; the keyset condition and order are added. */
  from: string;
  key: string;
  keyType: 'uuid' | 'bigint' | 'text';
}

const SINGLES: Single[] = [
  { name: 'profile', sql: 'select id, email, role, time_zone, created_at, updated_at, erased_at from users where id = $1' },
  {
    name: 'balance',
    sql: 'select user_id, balance_seconds, reserved_seconds, version, last_sequence, last_hash, updated_at from credit_balances where user_id = $1',
  },
  { name: 'membership', sql: 'select * from memberships where user_id = $1' },
  { name: 'stripeCustomer', sql: 'select * from stripe_customers where user_id = $1' },
  { name: 'erasureRequest', sql: 'select * from erasure_requests where user_id = $1' },
];

const LISTS: List[] = [
  { name: 'consents', from: 'select * from consent_records where user_id = $1', key: 'id', keyType: 'bigint' },
  // never the secret's hash
  {
    name: 'apiKeys',
    from: 'select id, user_id, role, name, prefix, created_by, created_at, last_used_at, revoked_at from api_keys where user_id = $1',
    key: 'id',
    keyType: 'uuid',
  },
  { name: 'grants', from: 'select * from credit_grants where user_id = $1', key: 'id', keyType: 'uuid' },
  { name: 'holds', from: 'select * from reservations where user_id = $1', key: 'id', keyType: 'uuid' },
  { name: 'usagePeriods', from: 'select * from usage_periods where user_id = $1', key: 'id', keyType: 'uuid' },
  { name: 'usageRecords', from: 'select * from usage_records where user_id = $1', key: 'id', keyType: 'uuid' },
  { name: 'usageAlerts', from: 'select * from usage_alerts where user_id = $1', key: 'id', keyType: 'uuid' },
  { name: 'overageInvoices', from: 'select * from overage_invoices where user_id = $1', key: 'id', keyType: 'uuid' },
  { name: 'ledger', from: 'select * from ledger_entries where user_id = $1', key: 'sequence', keyType: 'bigint' },
  { name: 'idempotencyRecords', from: 'select * from idempotency_records where user_id = $1', key: 'key', keyType: 'text' },
  {
    name: 'dataExports',
    from: 'select id, user_id, requested_by, requested_by_role, expires_at, created_at, downloaded_at from data_exports where user_id = $1',
    key: 'id',
    keyType: 'uuid',
  },
  { name: 'auditEntries', from: 'select * from audit_log where (target_user_id = $1 or actor_id = $1)', key: 'id', keyType: 'bigint' },
  {
    name: 'stripeEvents',
    from: `select id, type, status, stripe_created_at, received_at, processed_at, payload from webhook_events
            where (payload -> 'data' -> 'object' ->> 'client_reference_id' = $1::text
                   or ($4::text is not null and payload -> 'data' -> 'object' ->> 'customer' = $4::text))`,
    key: 'id',
    keyType: 'text',
  },
];

const FIRST_KEY: Record<List['keyType'], string> = { uuid: '00000000-0000-0000-0000-000000000000', bigint: '0', text: '' };

/** Section names of the document, in order (after the header fields). */
export const EXPORT_SECTIONS = [...SINGLES.map((s) => s.name), ...LISTS.map((l) => l.name)];

/**
 * Writes the whole document for `userId` to `sink`. Answers the number of rows per list section
 * (also written at the end as "counts", so a reader can check it got everything).
 */
export async function streamUserData(em: Em, userId: string, sink: ExportSink, pageRows = limits.exportPageRowsMax): Promise<Record<string, number>> {
  return withTransaction(
    em,
    async (tx) => {
      const [now] = await tx.query<{ at: string | Date }>('select now() as at');
      const [customer] = await tx.query<{ customer_id: string }>('select customer_id from stripe_customers where user_id = $1', [userId]);
      await sink.write(
        `{"format":${JSON.stringify(EXPORT_FORMAT)},"version":${EXPORT_VERSION},"userId":${JSON.stringify(userId)},"exportedAt":${JSON.stringify(asDate(now!.at).toISOString())}`,
      );
      for (const s of SINGLES) {
        const [row] = await tx.query<{ j: string }>(`select row_to_json(t)::text as j from (${s.sql}) t`, [userId]);
        await sink.write(`,${JSON.stringify(s.name)}:${row?.j ?? 'null'}`);
      }
      const counts: Record<string, number> = {};
      for (const l of LISTS) counts[l.name] = await streamList(tx, l, userId, customer?.customer_id ?? null, sink, pageRows);
      await sink.write(`,"counts":${JSON.stringify(counts)}}\n`);
      return counts;
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}

async function streamList(tx: Tx, l: List, userId: string, customerId: string | null, sink: ExportSink, pageRows: number): Promise<number> {
  const usesCustomer = l.from.includes('$4');
  const sql = `select row_to_json(t)::text as j, t.${l.key}::text as k
                 from (${l.from} and ${l.key} > $2::${l.keyType} order by ${l.key} limit $3) t order by t.${l.key}`;
  await sink.write(`,${JSON.stringify(l.name)}:[`);
  let cursor = FIRST_KEY[l.keyType];
  let n = 0;
  for (;;) {
    const params = usesCustomer ? [userId, cursor, pageRows, customerId] : [userId, cursor, pageRows];
    const rows = await tx.query<{ j: string; k: string }>(sql, params);
    if (rows.length) await sink.write((n ? ',' : '') + rows.map((r) => r.j).join(','));
    n += rows.length;
    if (rows.length < pageRows) break;
    cursor = rows[rows.length - 1]!.k;
  }
  await sink.write(']');
  return n;
}
