// Lock waits: a user whose row another transaction holds (a stuck client) never holds back the
// calls of other users, and every ledger mutation waits for that row once, at most
// limits.usageLockWaitMsMax, then fails with SERVICE_UNAVAILABLE (retry with the same key) and
// writes nothing. Latencies are compared as ratios only.
import { randomUUID } from 'node:crypto';
import { Client, type PoolClient } from 'pg';
import { limits } from '../../src/config/limits';
import { UsageBatcher, type UsageAnswer, type UsageItem } from '../../src/domain/ledger/usage-batcher';
import { fingerprint } from '../../src/domain/ledger/validate';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { databaseClock } from '../../src/shared/clock';
import { activeMembership, newUserWithBonus } from '../support/ledger-fixtures';
import { grantPeriod } from '../../src/stripe/renewals';
import { outcome, startTestApi, type Account, type GqlResponse, type TestApi } from '../support/api';

interface KnexClient {
  acquireConnection(): Promise<PoolClient>;
  releaseConnection(c: PoolClient): Promise<unknown>;
}

let api: TestApi;
let admin: Account;
let service: Account;
beforeAll(async () => {
  // one statement in flight: every call that queues behind it goes in the same batch
  api = await startTestApi({ USAGE_BATCHES_IN_FLIGHT: '1' });
  admin = await api.account('ADMIN');
  service = await api.account('SERVICE');
});
afterAll(async () => {
  await api.stop();
});

const RECORD = 'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { balance { balanceSeconds } userErrors { code } } }';
const RESERVE = 'mutation($input: ReserveCreditsInput!) { reserveCredits(input: $input) { reservation { id } userErrors { code } } }';
const GRANT = 'mutation($input: GrantCreditsInput!) { grantCredits(input: $input) { grant { id } userErrors { code } } }';

const item = (userId: string, seconds: number, key: string): UsageItem => ({
  userId,
  seconds,
  idempotencyKey: key,
  fingerprint: fingerprint('recordUsage', { seconds, callId: undefined, occurredAt: undefined, description: undefined }),
  callId: null,
  occurredAt: null,
  description: null,
  now: null,
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function timed<T>(p: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await p();
  return { value, ms: performance.now() - started };
}

/** Holds the user's balance row (the row every ledger function locks first) until released, at most 10 s. */
async function holdUserRow(userId: string): Promise<{ release(): Promise<void> }> {
  const holder = new Client({ connectionString: api.db.url });
  await holder.connect();
  await holder.query('begin');
  await holder.query('select 1 from credit_balances where user_id = $1 for update', [userId]);
  let done: Promise<void> | null = null;
  const release = () => (done ??= holder.query('rollback').then(() => holder.end()));
  const timer = setTimeout(() => void release(), 10_000);
  return {
    release: async () => {
      clearTimeout(timer);
      await release();
    },
  };
}

async function newFundedUser(seconds = 10_000): Promise<string> {
  return newUserWithBonus(api.db.em(), databaseClock, seconds);
}

async function count(table: string, userId: string): Promise<number> {
  const [row] = await api.db.em().getConnection().execute<{ n: number }[]>(`select count(*)::int as n from ${table} where user_id = ?`, [userId]);
  return row!.n;
}

function expectServiceUnavailable(res: GqlResponse) {
  expect(res.status).toBe(503);
  expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 } })]);
}

describe('a locked user leaves the batch', () => {
  it("lets the other users of a batch answer at their normal latency while one user's row is held", async () => {
    const client = api.db.em().getConnection().getKnex().client as unknown as KnexClient;
    const stuck = await newFundedUser();
    const others = await Promise.all(Array.from({ length: 12 }, () => newFundedUser()));
    // one batch: the stuck user's call first, then every other user's
    const round = async (tag: string) => {
      const batcher = new UsageBatcher(client, 1);
      const stuckCall = timed(() => batcher.submit(item(stuck, 5, `${tag}-stuck`)).catch((err: unknown) => err));
      const calls = others.map((u) => timed(() => batcher.submit(item(u, 5, `${tag}-${u}`))));
      return { stuck: await stuckCall, others: await Promise.all(calls) };
    };
    await round('warm');
    const free = await round('free');
    const lock = await holdUserRow(stuck);
    let held: Awaited<ReturnType<typeof round>>;
    try {
      held = await round('held');
    } finally {
      await lock.release();
    }
    for (const o of [...free.others, ...held.others]) expect('answer' in (o.value as UsageAnswer)).toBe(true);
    expect(median(held.others.map((o) => o.ms)) / median(free.others.map((o) => o.ms))).toBeLessThan(5);
    // the stuck call waited once, alone, then failed as a lock timeout (SERVICE_UNAVAILABLE)
    expect((held.stuck.value as { code?: string }).code).toBe('55P03');
    const waited = held.stuck.ms / limits.usageLockWaitMsMax;
    expect(waited).toBeGreaterThan(0.9);
    expect(waited).toBeLessThan(1.9); // one wait, never two
    const [row] = await api.db.em().getConnection().execute<{ b: string }[]>('select balance_seconds as b from credit_balances where user_id = ?', [stuck]);
    expect(Number(row!.b)).toBe(10_000 - 10); // the warm and free rounds, not the held one
    expect((await verifyLedger({ em: api.db.em() }, stuck)).problems).toEqual([]);
  });

  it("answers other users' recordUsage over HTTP at their normal latency, and the locked user SERVICE_UNAVAILABLE after one bounded wait with nothing written", async () => {
    const stuck = await api.account('USER');
    await api.gql(GRANT, { input: { userId: stuck.id, seconds: 600, source: 'BONUS', idempotencyKey: 'seed' } }, admin.auth);
    const others = await Promise.all(Array.from({ length: 12 }, () => newFundedUser()));
    const round = async (tag: string) => {
      // the stuck user's calls go among the others, so they share batches with them
      const stuckCalls = [0, 1, 2].map((i) =>
        timed(() => api.gql(RECORD, { input: { userId: stuck.id, seconds: 30, idempotencyKey: `${tag}-stuck-${i}` } }, service.auth)),
      );
      const calls = others.map((u) => timed(() => api.gql(RECORD, { input: { userId: u, seconds: 5, idempotencyKey: `${tag}-${u}` } }, service.auth)));
      return { stuck: await Promise.all(stuckCalls), others: await Promise.all(calls) };
    };
    await round('warm');
    const free = await round('free');
    const usagesBefore = await count('usage_records', stuck.id);
    const lock = await holdUserRow(stuck.id);
    let held: Awaited<ReturnType<typeof round>>;
    try {
      held = await round('held');
    } finally {
      await lock.release();
    }
    for (const o of [...free.others, ...held.others]) expect(outcome(o.value, 'recordUsage')).toBe('OK');
    expect(median(held.others.map((o) => o.ms)) / median(free.others.map((o) => o.ms))).toBeLessThan(5);
    for (const s of held.stuck) {
      expectServiceUnavailable(s.value);
      expect(s.ms / limits.usageLockWaitMsMax).toBeLessThan(1.9); // one wait, never two
    }
    expect(Math.max(...held.stuck.map((s) => s.ms)) / limits.usageLockWaitMsMax).toBeGreaterThan(0.9);
    expect(await count('usage_records', stuck.id)).toBe(usagesBefore);
    // the lock is gone: the same key records the call, once
    const again = await api.gql(RECORD, { input: { userId: stuck.id, seconds: 30, idempotencyKey: 'held-stuck-0' } }, service.auth);
    expect(outcome(again, 'recordUsage')).toBe('OK');
    expect(await count('usage_records', stuck.id)).toBe(usagesBefore + 1);
  });
});

describe('every ledger mutation waits once, bounded', () => {
  it.each([
    ['reserveCredits', RESERVE, (userId: string) => ({ userId, seconds: 60, idempotencyKey: randomUUID() }), 'reservations'],
    ['grantCredits', GRANT, (userId: string) => ({ userId, seconds: 60, source: 'BONUS', idempotencyKey: randomUUID() }), 'credit_grants'],
  ])('%s on a user whose row is held fails with SERVICE_UNAVAILABLE after one bounded wait and writes nothing', async (field, query, input, table) => {
    const userId = await newFundedUser();
    const before = { rows: await count(table, userId), entries: await count('ledger_entries', userId) };
    const lock = await holdUserRow(userId);
    let res: { value: GqlResponse; ms: number };
    try {
      res = await timed(() => api.gql(query, { input: input(userId) }, (field === 'grantCredits' ? admin : service).auth));
    } finally {
      await lock.release();
    }
    expectServiceUnavailable(res.value);
    const waited = res.ms / limits.usageLockWaitMsMax;
    expect(waited).toBeGreaterThan(0.9);
    expect(waited).toBeLessThan(1.9);
    expect({ rows: await count(table, userId), entries: await count('ledger_entries', userId) }).toEqual(before);
    // the bound was the call's transaction's only: the same call goes through once the row is free
    expect(outcome(await api.gql(query, { input: input(userId) }, (field === 'grantCredits' ? admin : service).auth), field)).toBe('OK');
  });
});

describe('a renewal grant from a webhook waits once, bounded', () => {
  it('fails its event after one bounded wait on a user whose row is held, writes nothing, and grants once the row is free', async () => {
    const em = api.db.em();
    const userId = await newFundedUser();
    const start = new Date(Date.now() - 3_600_000);
    const end = new Date(Date.now() + 29 * 86_400_000);
    await activeMembership(em, userId, start, end);
    const events = { balanceChanged: () => undefined, usageAlerts: () => undefined };
    const input = {
      userId,
      subscriptionId: `sub_${userId.slice(0, 8)}`,
      planCode: 'STARTER' as const,
      periodStart: start,
      periodEnd: end,
      awaitingPayment: true,
    };
    const before = { grants: await count('credit_grants', userId), entries: await count('ledger_entries', userId) };
    const lock = await holdUserRow(userId);
    let res: { value: unknown; ms: number };
    try {
      res = await timed(() =>
        grantPeriod({ em, clock: databaseClock, events }, input).then(
          () => 'granted',
          (err: { code?: string }) => err.code,
        ),
      );
    } finally {
      await lock.release();
    }
    expect(res.value).toBe('55P03'); // lock_not_available: the event fails and is retried
    const waited = res.ms / limits.usageLockWaitMsMax;
    expect(waited).toBeGreaterThan(0.9);
    expect(waited).toBeLessThan(1.9);
    expect({ grants: await count('credit_grants', userId), entries: await count('ledger_entries', userId) }).toEqual(before);
    expect(await grantPeriod({ em, clock: databaseClock, events }, input)).toMatchObject({ ok: true });
    expect(await count('credit_grants', userId)).toBe(before.grants + 1);
  });
});
