// recordUsageBatch: many finished calls in one request, each a recordUsage of its own — same rules,
// same ledger, its own idempotency key and typed outcome; a failing item fails none of the others;
// a batch over the limit is refused as a whole with nothing written.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { limits } from '../../src/config/limits';
import { startTestApi, type Account, type TestApi } from '../support/api';

let api: TestApi;
let service: Account;
let admin: Account;
let funded: string[];
let broke: string;
const START_SECONDS = 1_000_000;

const BATCH = `mutation($i: RecordUsageBatchInput!) {
  recordUsageBatch(input: $i) {
    results { index idempotencyKey billedSeconds creditSeconds overageSeconds balance { userId balanceSeconds } userErrors { code field } }
    userErrors { code }
  }
}`;

beforeAll(async () => {
  api = await startTestApi();
  service = await api.account('SERVICE');
  admin = await api.account('ADMIN');
  funded = [];
  for (let i = 0; i < 3; i++) {
    const u = await api.account('USER');
    const res = await api.gql(
      'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
      { i: { userId: u.id, seconds: START_SECONDS, source: 'BONUS', idempotencyKey: `seed-${u.id}` } },
      admin.auth,
    );
    expect(res.body.data!.grantCredits.userErrors).toEqual([]);
    funded.push(u.id);
  }
  broke = (await api.account('USER')).id;
});
afterAll(async () => {
  await api?.stop();
});

type Item = { userId: string; seconds: number; idempotencyKey: string };
/** What an item must answer: OK or the code of its one failure. */
type Expect = 'OK' | 'INVALID_SECONDS' | 'INVALID_IDEMPOTENCY_KEY' | 'USER_NOT_FOUND' | 'INSUFFICIENT_CREDITS';

let run = 0;
/** Valid and invalid items mixed: bad seconds, bad keys, unknown or malformed users, a user without credit. */
const itemArb = (prefix: string) =>
  fc
    .oneof(
      {
        weight: 5,
        arbitrary: fc
          .record({ u: fc.integer({ min: 0, max: 2 }), s: fc.integer({ min: 1, max: 600 }) })
          .map(({ u, s }) => ({ kind: 'OK' as Expect, user: funded[u]!, s })),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(fc.constant(0), fc.integer({ min: -100, max: -1 }), fc.constant(limits.secondsPerOperationMax + 1))
          .map((s) => ({ kind: 'INVALID_SECONDS' as Expect, user: funded[0]!, s })),
      },
      {
        weight: 1,
        arbitrary: fc
          .oneof(fc.constant(''), fc.constant('~reserved'), fc.constant('x'.repeat(129)))
          .map((key) => ({ kind: 'INVALID_IDEMPOTENCY_KEY' as Expect, user: funded[1]!, s: 5, key })),
      },
      {
        weight: 1,
        arbitrary: fc.oneof(fc.constant(randomUUID()), fc.constant('not-a-uuid')).map((user) => ({ kind: 'USER_NOT_FOUND' as Expect, user, s: 5 })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'INSUFFICIENT_CREDITS' as Expect, user: '', s: 30 }) },
    )
    .map((g) => ({ ...(g as { kind: Expect; user: string; s: number; key?: string }), prefix }));

function toItems(gen: { kind: Expect; user: string; s: number; key?: string; prefix: string }[]): { items: Item[]; expected: Expect[] } {
  const items = gen.map((g, i) => ({
    userId: g.kind === 'INSUFFICIENT_CREDITS' ? broke : g.user,
    seconds: g.s,
    idempotencyKey: g.key ?? `${g.prefix}-${i}`,
  }));
  return { items, expected: gen.map((g) => g.kind) };
}

/** Usages recorded under keys of this prefix (one idempotency record each), and usage records in all. */
async function recorded(prefix: string): Promise<{ keys: number; records: number }> {
  const conn = api.db.em().getConnection();
  const [k] = await conn.execute<{ n: string }[]>(`select count(*) as n from idempotency_records where operation = 'recordUsage' and key like ?`, [
    `${prefix}-%`,
  ]);
  const [r] = await conn.execute<{ n: string }[]>('select count(*) as n from usage_records');
  return { keys: Number(k!.n), records: Number(r!.n) };
}

async function balanceOf(userId: string): Promise<number> {
  const rows = await api.db.em().getConnection().execute<{ s: string }[]>('select balance_seconds as s from credit_balances where user_id = ?', [userId]);
  return Number(rows[0]!.s);
}

describe('recordUsageBatch', () => {
  it('answers each item as recordUsage would, a failing item failing no other, and a replay answers the same with nothing written again', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer().chain(() => {
          const prefix = `b${++run}-${randomUUID().slice(0, 8)}`;
          return fc.array(itemArb(prefix), { minLength: 1, maxLength: 40 });
        }),
        async (gen) => {
          const { items, expected } = toItems(gen);
          const prefix = gen[0]!.prefix;
          const before = await Promise.all(funded.map(balanceOf));
          const recordedBefore = await recorded(prefix);
          const res = await api.gql(BATCH, { i: { items } }, service.auth);
          expect(res.status).toBe(200);
          expect(res.body.errors).toBeUndefined();
          const out = res.body.data!.recordUsageBatch.results as {
            index: number;
            idempotencyKey: string;
            billedSeconds: number | null;
            creditSeconds: number | null;
            balance: { userId: string; balanceSeconds: number } | null;
            userErrors: { code: string }[];
          }[];
          expect(out.map((o) => o.index)).toEqual(items.map((_, i) => i));
          expect(out.map((o) => o.idempotencyKey)).toEqual(items.map((i) => i.idempotencyKey));
          out.forEach((o, i) => {
            if (expected[i] === 'OK') {
              expect(o.userErrors).toEqual([]);
              expect(o.billedSeconds).toBeGreaterThanOrEqual(items[i]!.seconds);
              expect(o.balance!.userId).toBe(items[i]!.userId);
            } else {
              expect(o.userErrors.map((e) => e.code)).toEqual([expected[i]]);
              expect(o.billedSeconds).toBeNull();
            }
          });
          // the ledger holds exactly the valid items, once each, and the balances moved by their credit seconds
          const valid = expected.filter((e) => e === 'OK').length;
          expect(await recorded(prefix)).toEqual({ keys: valid, records: recordedBefore.records + valid });
          const after = await Promise.all(funded.map(balanceOf));
          funded.forEach((u, k) => {
            const spent = out.filter((o, i) => expected[i] === 'OK' && items[i]!.userId === u).reduce((n, o) => n + o.creditSeconds!, 0);
            expect(before[k]! - after[k]!).toBe(spent);
          });
          // the same batch again: every item answers as the first time, nothing is recorded twice
          const again = await api.gql(BATCH, { i: { items } }, service.auth);
          const replayed = again.body.data!.recordUsageBatch.results as typeof out;
          expect(replayed.map((o) => [o.billedSeconds, o.creditSeconds, o.userErrors])).toEqual(
            out.map((o) => [o.billedSeconds, o.creditSeconds, o.userErrors]),
          );
          expect(await recorded(prefix)).toEqual({ keys: valid, records: recordedBefore.records + valid });
          expect(await Promise.all(funded.map(balanceOf))).toEqual(after);
        },
      ),
      { numRuns: 12 },
    );
  });

  it(`refuses a batch of more than ${limits.usageBatchRequestItemsMax} items with BAD_USER_INPUT and records none of them`, async () => {
    const prefix = `over-${randomUUID().slice(0, 8)}`;
    const items = Array.from({ length: limits.usageBatchRequestItemsMax + 1 }, (_, i) => ({
      userId: funded[i % 3],
      seconds: 1,
      idempotencyKey: `${prefix}-${i}`,
    }));
    const before = await Promise.all(funded.map(balanceOf));
    const recordedBefore = await recorded(prefix);
    const res = await api.gql(BATCH, { i: { items } }, service.auth);
    expect(res.status).toBe(400);
    expect(res.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(await recorded(prefix)).toEqual({ keys: 0, records: recordedBefore.records });
    expect(await Promise.all(funded.map(balanceOf))).toEqual(before);
  });

  it(`records a batch of exactly ${limits.usageBatchRequestItemsMax} items, each once`, async () => {
    const prefix = `full-${randomUUID().slice(0, 8)}`;
    const items = Array.from({ length: limits.usageBatchRequestItemsMax }, (_, i) => ({ userId: funded[i % 3], seconds: 1, idempotencyKey: `${prefix}-${i}` }));
    const res = await api.gql(BATCH, { i: { items } }, service.auth);
    expect(res.body.errors).toBeUndefined();
    const out = res.body.data!.recordUsageBatch.results as { userErrors: unknown[] }[];
    expect(out.filter((o) => o.userErrors.length === 0)).toHaveLength(limits.usageBatchRequestItemsMax);
    expect((await recorded(prefix)).keys).toBe(limits.usageBatchRequestItemsMax);
  });

  it('is refused for a USER', async () => {
    const user = await api.account('USER');
    const res = await api.gql(BATCH, { i: { items: [{ userId: user.id, seconds: 1, idempotencyKey: 'k' }] } }, user.auth);
    expect(res.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
