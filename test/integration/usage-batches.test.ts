// Group commit of recordUsage (src/domain/ledger/usage-batcher.ts): calls that queue up go in one
// statement, and still every call keeps its own outcome — a failure, a replay or an error in one of
// them changes nothing for the others, and the ledger stays exact.
import { Client, type PoolClient } from 'pg';
import { UsageBatcher, UsageQueueFullError, type UsageItem } from '../../src/domain/ledger/usage-batcher';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { fingerprint } from '../../src/domain/ledger/validate';
import { databaseClock, ManualClock } from '../../src/shared/clock';
import { createTestDb, type TestDb } from '../support/test-db';
import { deps, newUserWithBonus, snapshotCounts, unwrap } from '../support/ledger-fixtures';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb(6);
});
afterAll(async () => {
  await db.close();
});

interface KnexClient {
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(c: PoolClient): Promise<unknown>;
}

/**
 * A batcher over the test pool that counts the batch statements it sends (those with the batch's
 * 1 ms lock wait). An item that finds a lock not free within that millisecond goes again alone —
 * under load even a table's extension lock can take longer — and those statements are counted
 * apart (`alone`): they are the batcher's escape, not how it shares calls.
 */
function countingBatcher(inFlightMax: number) {
  const client = db.em().getConnection().getKnex().client as unknown as KnexClient;
  const seen = { statements: 0, alone: 0 };
  const counting: KnexClient = {
    acquireConnection: async () => {
      const c = await client.acquireConnection();
      const query = c.query.bind(c) as (...args: unknown[]) => unknown;
      (c as unknown as { query: unknown }).query = (...args: unknown[]) => {
        const sql = typeof args[0] === 'string' ? args[0] : '';
        if (sql.includes("'lock_timeout', '1ms'")) seen.statements += 1;
        else seen.alone += 1;
        return query(...args);
      };
      return c;
    },
    releaseConnection: (c) => {
      delete (c as unknown as { query?: unknown }).query; // the pool's own method again
      return client.releaseConnection(c);
    },
  };
  return { batcher: new UsageBatcher(counting, inFlightMax), seen };
}

const item = (userId: string, seconds: number, key: string, extra: Partial<UsageItem> = {}): UsageItem => ({
  userId,
  seconds,
  idempotencyKey: key,
  fingerprint: fingerprint('recordUsage', { seconds, callId: extra.callId ?? undefined, occurredAt: undefined, description: undefined }),
  callId: null,
  occurredAt: null,
  description: null,
  now: null,
  ...extra,
});

describe('usage batches', () => {
  it('sends calls that queue up in one statement, each with its own outcome, and the ledgers stay exact', async () => {
    const rich = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const poor = await newUserWithBonus(db.em(), databaseClock, 100);
    const { batcher, seen } = countingBatcher(1);
    const missing = '00000000-0000-4000-8000-000000000000';
    const answers = await Promise.all(
      [
        batcher.submit(item(rich, 60, 'r-1')),
        batcher.submit(item(poor, 60, 'p-1')),
        batcher.submit(item(poor, 60, 'p-2')), // 40 s left: refused
        batcher.submit(item(rich, 60, 'r-1')), // the same key again, same parameters: a replay
        batcher.submit(item(rich, 90, 'r-1')), // the same key with other parameters: refused
        batcher.submit(item(missing, 60, 'm-1')),
        batcher.submit(item(rich, 60, 'r-2', { occurredAt: 'not a date' })), // an error inside the database
        batcher.submit(item(rich, 30, 'r-3')),
      ].map((p) =>
        p.then(
          (a) => a,
          (err: Error) => ({ thrown: err.message }),
        ),
      ),
    );
    expect(seen.statements).toBe(1);
    const code = (a: object) => ('answer' in a ? 'OK' : 'failure' in a ? a.failure : 'ERROR');
    expect(answers.map(code)).toEqual(['OK', 'OK', 'INSUFFICIENT_CREDITS', 'OK', 'IDEMPOTENCY_KEY_REUSED', 'USER_NOT_FOUND', 'ERROR', 'OK']);
    expect((answers[6] as { thrown: string }).thrown).toMatch(/timestamp/);
    const first = (answers[0] as { answer: { usageRecordId: string } }).answer;
    expect((answers[3] as { answer: { usageRecordId: string } }).answer.usageRecordId).toBe(first.usageRecordId);
    const [balances] = await db
      .em()
      .getConnection()
      .execute<{ rich: string; poor: string }[]>(
        'select (select balance_seconds from credit_balances where user_id = ?) as rich, (select balance_seconds from credit_balances where user_id = ?) as poor',
        [rich, poor],
      );
    expect({ rich: Number(balances!.rich), poor: Number(balances!.poor) }).toEqual({ rich: 10_000 - 90, poor: 40 });
    for (const u of [rich, poor]) expect((await verifyLedger({ em: db.em() }, u)).problems).toEqual([]);
  });

  it('shares queued calls evenly over the statements it may have out', async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => newUserWithBonus(db.em(), databaseClock, 10_000)));
    const { batcher, seen } = countingBatcher(2);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => batcher.submit(item(users[i % 4]!, 1 + (i % 7), `o-${i}`))));
    expect(seen.statements).toBe(2); // 40 calls in one tick: two statements of 20, side by side
    expect(answers.every((a) => 'answer' in a)).toBe(true);
    for (const [u, userId] of users.entries()) {
      const [row] = await db.em().getConnection().execute<{ b: string }[]>('select balance_seconds as b from credit_balances where user_id = ?', [userId]);
      const used = Array.from({ length: 40 }, (_, i) => i)
        .filter((i) => i % 4 === u)
        .reduce((sum, i) => sum + 1 + (i % 7), 0);
      expect(Number(row!.b)).toBe(10_000 - used);
      expect((await verifyLedger({ em: db.em() }, userId)).problems).toEqual([]);
    }
  });

  it("keeps one user's calls in one statement in the order they were made", async () => {
    const userId = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const { batcher, seen } = countingBatcher(1);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => batcher.submit(item(userId, 5, `seq-${i}`))));
    expect(seen.statements).toBe(1);
    const sequences = (answers as { answer: { transaction: { sequence: number } } }[]).map((a) => Number(a.answer.transaction.sequence));
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
  });

  it("takes each call's own clock, so calls made at different moments keep their moments in one statement", async () => {
    const userId = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const at = (iso: string) => new ManualClock(new Date(iso));
    const [a, b] = await Promise.all([
      recordUsage(deps(db.em(), at('2026-11-20T10:00:00Z')), { userId, seconds: 10, idempotencyKey: 'clock-a' }),
      recordUsage(deps(db.em(), at('2026-11-20T11:00:00Z')), { userId, seconds: 10, idempotencyKey: 'clock-b' }),
    ]);
    expect(unwrap(a).transaction!.createdAt.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(unwrap(b).transaction!.createdAt.toISOString()).toBe('2026-11-20T11:00:00.000Z');
  });

  it("keeps one user's order whatever the case of the id, and gives each call the time it ran", async () => {
    const userId = await newUserWithBonus(db.em(), databaseClock, 10_000);
    expect(userId).toMatch(/[a-f]/); // an id with letters: upper case sorts before lower case byte-wise
    const { batcher, seen } = countingBatcher(1);
    const spelled = (i: number) => (i % 2 ? userId.toUpperCase() : userId.toLowerCase());
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => batcher.submit(item(spelled(i), 5, `case-${i}`))));
    expect(seen.statements).toBe(1);
    const entries = (answers as { answer: { transaction: { sequence: number; createdAt: string } } }[]).map((a) => a.answer.transaction);
    const sequences = entries.map((e) => Number(e.sequence));
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + i));
    // not the statement's start for all: each its own moment, growing along the sequence
    const stamps = entries.map((e) => e.createdAt);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBeGreaterThan(1);
    expect((await verifyLedger({ em: db.em() }, userId)).problems).toEqual([]);
  });

  it('runs again, alone, a call that a deadlock rolled back inside its batch', async () => {
    const userId = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const client = db.em().getConnection().getKnex().client as unknown as KnexClient;
    const sent: number[] = [];
    // the first statement's answer says its second item was chosen as a deadlock victim (as
    // vp_record_usage_many reports it); here it did commit, so its run again must answer its key
    const originals = new Map<PoolClient, unknown>();
    const victimOnce: KnexClient = {
      acquireConnection: async () => {
        const c = await client.acquireConnection();
        originals.set(c, c.query);
        const query = c.query.bind(c) as (sql: string, params: unknown[]) => Promise<{ rows: { r: unknown }[] }>;
        (c as unknown as { query: unknown }).query = async (sql: string, params: unknown[]) => {
          const res = await query(sql, params);
          sent.push(sql.includes('$1::jsonb') ? (JSON.parse(params[0] as string) as unknown[]).length : 1);
          if (sent.length === 1) {
            const out = res.rows[0]!.r as unknown[];
            out[1] = { error: 'deadlock detected', sqlstate: '40P01', detail: null };
          }
          return res;
        };
        return c;
      },
      releaseConnection: (c) => {
        (c as unknown as { query: unknown }).query = originals.get(c); // the pool's connection as it was
        return client.releaseConnection(c);
      },
    };
    const batcher = new UsageBatcher(victimOnce, 1);
    const answers = await Promise.all([0, 1, 2].map((i) => batcher.submit(item(userId, 7, `victim-${i}`))));
    expect(sent).toEqual([3, 1]); // the batch, then the victim alone
    expect(answers.every((a) => 'answer' in a)).toBe(true);
    // the victim's second run answered its key: the same usage, not a second one
    const [row] = await db.em().getConnection().execute<{ b: string }[]>('select balance_seconds as b from credit_balances where user_id = ?', [userId]);
    expect(Number(row!.b)).toBe(10_000 - 21);
    expect((await verifyLedger({ em: db.em() }, userId)).problems).toEqual([]);
  });

  it('refuses a call at once when too many wait already, and runs the ones that waited', async () => {
    const userId = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const client = db.em().getConnection().getKnex().client as unknown as KnexClient;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    // the database is slow: no connection until the gate opens
    const slow: KnexClient = {
      acquireConnection: async () => {
        await gate;
        return client.acquireConnection();
      },
      releaseConnection: (c) => client.releaseConnection(c),
    };
    const batcher = new UsageBatcher(slow, 1, 32, 3);
    const first = batcher.submit(item(userId, 5, 'q-0')); // goes out, waits for its connection
    await new Promise((r) => setImmediate(r));
    const queued = [1, 2, 3].map((i) => batcher.submit(item(userId, 5, `q-${i}`)));
    await expect(batcher.submit(item(userId, 5, 'q-4'))).rejects.toThrow(UsageQueueFullError);
    open();
    const answers = await Promise.all([first, ...queued]);
    expect(answers.every((a) => 'answer' in a)).toBe(true);
    const [row] = await db.em().getConnection().execute<{ b: string }[]>('select balance_seconds as b from credit_balances where user_id = ?', [userId]);
    expect(Number(row!.b)).toBe(10_000 - 20); // four calls, not the refused fifth
  });

  it("fails a stuck user's calls after one bounded wait, and commits the others of the batch", async () => {
    const stuck = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const free = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const holder = new Client({ connectionString: db.url });
    const caller = new Client({ connectionString: db.url });
    await Promise.all([holder.connect(), caller.connect()]);
    try {
      await holder.query('begin');
      await holder.query('select 1 from credit_balances where user_id = $1 for update', [stuck]);
      const items = [item(stuck, 5, 's-1'), item(free, 5, 'f-1'), item(stuck, 5, 's-2'), item(free, 5, 'f-2'), item(stuck, 5, 's-3')];
      const {
        rows: [row],
      } = await caller.query(`select vp_record_usage_many($1::jsonb, 604800) as r from (select set_config('lock_timeout', '200ms', true)) as bounded_wait`, [
        JSON.stringify(items),
      ]);
      const out = row.r as { ok?: unknown; error?: string; sqlstate?: string }[];
      expect(out.map((o) => (o.ok ? 'OK' : o.sqlstate))).toEqual(['55P03', 'OK', '55P03', 'OK', '55P03']);
      // one wait for the stuck user; their later calls did not wait again
      expect(out[0]!.error).toMatch(/lock timeout/);
      expect([out[2]!.error, out[4]!.error]).toEqual([
        'lock timeout on an earlier call of this user in the batch',
        'lock timeout on an earlier call of this user in the batch',
      ]);
      // the setting was this statement's transaction's only
      expect((await caller.query('show lock_timeout')).rows[0].lock_timeout).toBe('0');
    } finally {
      await holder.query('rollback');
      await Promise.all([holder.end(), caller.end()]);
    }
    const [b] = await db
      .em()
      .getConnection()
      .execute<{ stuck: string; free: string }[]>(
        'select (select balance_seconds from credit_balances where user_id = ?) as stuck, (select balance_seconds from credit_balances where user_id = ?) as free',
        [stuck, free],
      );
    expect({ stuck: Number(b!.stuck), free: Number(b!.free) }).toEqual({ stuck: 10_000, free: 9_990 });
  });

  it('writes nothing for a statement that fails as a whole, and tells every caller', async () => {
    const userId = await newUserWithBonus(db.em(), databaseClock, 10_000);
    const before = await snapshotCounts(db.em());
    const client = db.em().getConnection().getKnex().client as unknown as KnexClient;
    // a connection that dies as the statement is sent, as when the database restarts
    const dying: KnexClient = {
      acquireConnection: async () => {
        const c = await client.acquireConnection();
        const query = c.query.bind(c);
        (c as unknown as { query: unknown }).query = async (...args: unknown[]) => {
          await (query as (sql: string) => Promise<unknown>)('select pg_terminate_backend(pg_backend_pid())').catch(() => undefined);
          return (query as (...a: unknown[]) => Promise<unknown>)(...args);
        };
        return c;
      },
      releaseConnection: (c) => client.releaseConnection(c),
    };
    const batcher = new UsageBatcher(dying, 1);
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => batcher.submit(item(userId, 10, `dead-${i}`))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await snapshotCounts(db.em())).toEqual(before);
  });
});
