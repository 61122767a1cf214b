// Checks one user's books against every invariant of billing rules §6 and reports each breach
// with the first bad sequence number. It reads only; drift is reported, never repaired.
import type { LedgerDeps } from './deps';
import { asDate } from '../../shared/time';
import { entryHash, GENESIS_HASH } from './hash';

export interface LedgerProblem {
  invariant: 1 | 2 | 3 | 4 | 5 | 6 | 7;
  sequence?: number;
  message: string;
}

export interface LedgerReport {
  userId: string;
  ok: boolean;
  entriesChecked: number;
  balanceSeconds: number;
  firstBadSequence: number | null;
  problems: LedgerProblem[];
}

const PAGE_ROWS = 2000;

interface EntryRow {
  id: string;
  user_id: string;
  sequence: string;
  type: string;
  amount_seconds: string;
  balance_after_seconds: string;
  description: string | null;
  metadata_text: string | null;
  reference: string | null;
  idempotency_key: string | null;
  created_at: string | Date;
  hash: string;
}

export async function verifyLedger(deps: Pick<LedgerDeps, 'em'>, userId: string): Promise<LedgerReport> {
  // one consistent snapshot: under live traffic the head would otherwise move between the reads
  return deps.em
    .getConnection()
    .getKnex()
    .transaction(async (trx) => {
      await trx.raw('set transaction isolation level repeatable read, read only');
      const conn = {
        execute: async <T>(sql: string, params: unknown[] = []): Promise<T> => (await trx.raw(sql, params as never)).rows as T,
      };
      return verifyIn(conn, userId);
    });
}

interface Reader {
  execute<T>(sql: string, params?: unknown[]): Promise<T>;
}

async function verifyIn(conn: Reader, userId: string): Promise<LedgerReport> {
  const problems: LedgerProblem[] = [];
  const report = (invariant: LedgerProblem['invariant'], message: string, sequence?: number) => problems.push({ invariant, message, sequence });

  let prevHash = GENESIS_HASH;
  let prevBalance = 0;
  let prevSequence = 0;
  let checked = 0;
  let sum = 0;
  for (;;) {
    const rows = await conn.execute<EntryRow[]>(
      `select id, user_id, sequence, type, amount_seconds, balance_after_seconds, description,
              metadata::text as metadata_text, reference, idempotency_key, created_at, hash
         from ledger_entries where user_id = ? and sequence > ? order by sequence limit ?`,
      [userId, prevSequence, PAGE_ROWS],
    );
    for (const r of rows) {
      const seq = Number(r.sequence);
      const amount = Number(r.amount_seconds);
      const after = Number(r.balance_after_seconds);
      if (seq !== prevSequence + 1) report(2, `sequence jumps from ${prevSequence} to ${seq}`, seq);
      if (amount === 0) report(2, 'amount is 0', seq);
      if (after !== prevBalance + amount) report(2, `balance after ${after} ≠ ${prevBalance} + ${amount}`, seq);
      if (after < 0) report(3, `balance after ${after} is negative`, seq);
      const expected = entryHash(prevHash, {
        id: r.id,
        userId: r.user_id,
        sequence: seq,
        type: r.type,
        amountSeconds: amount,
        balanceAfterSeconds: after,
        description: r.description,
        metadataText: r.metadata_text,
        reference: r.reference,
        idempotencyKey: r.idempotency_key,
        createdAt: asDate(r.created_at),
      });
      if (expected !== r.hash) report(7, 'hash does not match the chain', seq);
      sum += amount;
      prevHash = r.hash;
      prevBalance = after;
      prevSequence = seq;
      checked += 1;
    }
    if (rows.length < PAGE_ROWS) break;
  }

  const [head] = await conn.execute<{ balance_seconds: string; reserved_seconds: string; last_sequence: string; last_hash: string }[]>(
    'select balance_seconds, reserved_seconds, last_sequence, last_hash from credit_balances where user_id = ?',
    [userId],
  );
  const balance = head ? Number(head.balance_seconds) : 0;
  if (head) {
    if (balance !== sum) report(1, `balance ${balance} ≠ sum of ledger amounts ${sum}`);
    if (Number(head.last_sequence) !== prevSequence) report(2, `head sequence ${head.last_sequence} ≠ last entry ${prevSequence}`);
    if (head.last_hash !== prevHash) report(7, 'head hash ≠ last entry hash');
    if (balance < 0) report(3, 'balance is negative');
  }

  // Lineage: debits name the grants that paid (metadata.grants), refunds what they gave back.
  const arr = (expr: string) => `case when jsonb_typeof(${expr}) = 'array' then ${expr} else '[]'::jsonb end`;
  const [grants] = await conn.execute<{ remaining: string | null; bad_range: string; bad_lineage: string }[]>(
    `with lineage as (
       select (l ->> 'grantId')::uuid as grant_id, sum((l ->> 'seconds')::bigint) as taken
         from ledger_entries e, jsonb_array_elements(${arr("e.metadata -> 'grants'")}) l
        where e.user_id = ? and e.amount_seconds < 0
        group by 1)
     select sum(g.remaining_seconds) as remaining,
            count(*) filter (where g.remaining_seconds < 0 or g.remaining_seconds > g.granted_seconds) as bad_range,
            count(*) filter (where g.remaining_seconds <> g.granted_seconds - coalesce(l.taken, 0)) as bad_lineage
       from credit_grants g left join lineage l on l.grant_id = g.id
      where g.user_id = ?`,
    [userId, userId],
  );
  const remaining = Number(grants?.remaining ?? 0);
  if (remaining !== balance) report(1, `sum of grants' remaining ${remaining} ≠ balance ${balance}`);
  if (Number(grants?.bad_range ?? 0) > 0) report(3, `${grants!.bad_range} grant(s) outside 0…granted`);
  if (Number(grants?.bad_lineage ?? 0) > 0) report(3, `${grants!.bad_lineage} grant(s) whose remaining ≠ granted − what debits took`);

  const [debits] = await conn.execute<{ bad_debits: string; bad_refunds: string; over_refunded: string; foreign: string }[]>(
    `with used as (
       select e.id, l ->> 'grantId' as grant_id, sum((l ->> 'seconds')::bigint) as s
         from ledger_entries e, jsonb_array_elements(${arr("e.metadata -> 'grants'")}) l
        where e.user_id = ? and e.type = 'USAGE' group by 1, 2
     ), refunded as (
       select r.reference as id, l ->> 'grantId' as grant_id, sum((l ->> 'seconds')::bigint) as s
         from ledger_entries r, jsonb_array_elements(${arr("r.metadata -> 'refunded'")}) l
        where r.user_id = ? and r.type = 'REFUND' group by 1, 2
     )
     select
       (select count(*) from ledger_entries e
         where e.user_id = ? and e.amount_seconds < 0
           and coalesce((select sum((l ->> 'seconds')::bigint) from jsonb_array_elements(${arr("e.metadata -> 'grants'")}) l), 0)
               <> -e.amount_seconds) as bad_debits,
       (select count(*) from ledger_entries r
         where r.user_id = ? and r.type = 'REFUND'
           and coalesce((select sum((l ->> 'seconds')::bigint) from jsonb_array_elements(${arr("r.metadata -> 'refunded'")}) l), 0)
               <> r.amount_seconds) as bad_refunds,
       (select count(*) from refunded left join used on used.id::text = refunded.id and used.grant_id = refunded.grant_id
         where refunded.s > coalesce(used.s, 0)) as over_refunded,
       (select count(*) from ledger_entries e, jsonb_array_elements(${arr("e.metadata -> 'grants'")}) l
         where e.user_id = ? and e.amount_seconds < 0
           and not exists (select 1 from credit_grants g where g.id = (l ->> 'grantId')::uuid and g.user_id = e.user_id)) as foreign`,
    [userId, userId, userId, userId, userId],
  );
  if (Number(debits?.bad_debits ?? 0) > 0) report(3, `${debits!.bad_debits} debit(s) whose lineage does not add up`);
  if (Number(debits?.bad_refunds ?? 0) > 0) report(3, `${debits!.bad_refunds} refund(s) whose lineage does not add up`);
  if (Number(debits?.over_refunded ?? 0) > 0) report(3, `${debits!.over_refunded} usage grant(s) refunded beyond what they paid`);
  if (Number(debits?.foreign ?? 0) > 0) report(3, `${debits!.foreign} lineage item(s) naming a grant that is not the user's`);

  // A REFUND entry's lineage names exactly the REFUND grants it created, with their seconds. Entries
  // written before migration 0120 carry no metadata.grants and are not held to it.
  const [refundLineage] = await conn.execute<{ bad: string }[]>(
    `with named as (
       select r.id as entry_id, (l ->> 'grantId')::uuid as grant_id, (l ->> 'seconds')::bigint as s
         from ledger_entries r, jsonb_array_elements(${arr("r.metadata -> 'grants'")}) l
        where r.user_id = ? and r.type = 'REFUND' and r.metadata -> 'grants' is not null
     ), made as (
       select g.entry_id, g.id as grant_id, g.granted_seconds as s
         from credit_grants g join ledger_entries r on r.id = g.entry_id
        where g.user_id = ? and g.source = 'REFUND' and r.type = 'REFUND' and r.metadata -> 'grants' is not null
     )
     select count(distinct coalesce(named.entry_id, made.entry_id)) as bad
       from named full join made on made.entry_id = named.entry_id and made.grant_id = named.grant_id and made.s = named.s
      where named.grant_id is null or made.grant_id is null`,
    [userId, userId],
  );
  if (Number(refundLineage?.bad ?? 0) > 0) report(3, `${refundLineage!.bad} refund(s) whose lineage does not name the REFUND grants they created`);

  const [holds] = await conn.execute<{ active: string | null; over: string }[]>(
    `select sum(reserved_seconds) filter (where status = 'ACTIVE') as active,
            count(*) filter (where reserved_seconds > allowed_seconds) as over
       from reservations where user_id = ?`,
    [userId],
  );
  const active = Number(holds?.active ?? 0);
  if (head && active !== Number(head.reserved_seconds)) report(4, `active holds ${active} ≠ reserved ${head.reserved_seconds}`);
  if (Number(holds?.over ?? 0) > 0) report(4, `${holds!.over} hold(s) above what was allowed when made`);

  const [keys] = await conn.execute<{ dup: string }[]>(
    `select count(*) as dup from (
       select idempotency_key from ledger_entries where user_id = ? and idempotency_key is not null
        group by idempotency_key having count(*) > 1) d`,
    [userId],
  );
  if (Number(keys?.dup ?? 0) > 0) report(5, `${keys!.dup} idempotency key(s) with more than one effect`);

  const [trg] = await conn.execute<{ n: string }[]>(
    `select count(*) as n from pg_trigger
      where tgrelid = 'ledger_entries'::regclass and not tgisinternal and tgenabled <> 'D'
        and tgname in ('ledger_entries_no_update_delete', 'ledger_entries_no_truncate')`,
  );
  if (Number(trg?.n ?? 0) !== 2) report(6, 'the append-only triggers on ledger_entries are missing or disabled');

  const sequences = problems.map((p) => p.sequence).filter((s): s is number => s !== undefined);
  return {
    userId,
    ok: problems.length === 0,
    entriesChecked: checked,
    balanceSeconds: balance,
    firstBadSequence: sequences.length ? Math.min(...sequences) : null,
    problems,
  };
}
