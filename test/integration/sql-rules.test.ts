// The billing rules that live in SQL (the hot path) and in TypeScript (the read side) are one rule:
// each SQL function answers what its TypeScript twin in src/domain/ledger/rules.ts answers, on
// random inputs.
import fc from 'fast-check';
import { Client } from 'pg';
import { billedSeconds, compareConsumptionOrder, costCents, overageCents, overageMaxSeconds } from '../../src/domain/ledger/rules';
import { newUser } from '../support/ledger-fixtures';
import { createTestDb, type TestDb } from '../support/test-db';

let db: TestDb;
let pg: Client;

beforeAll(async () => {
  db = await createTestDb(2);
  pg = new Client({ connectionString: db.url });
  await pg.connect();
});

afterAll(async () => {
  await pg.end();
  await db.close();
});

async function scalar(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await pg.query<{ v: string }>(sql, params);
  return Number(rows[0].v);
}

const seconds = fc.integer({ min: 0, max: 50_000_000 });
const rate = fc.integer({ min: 1, max: 10_000 });
const limit = fc.integer({ min: 0, max: 10_000_000 });

it('vp_overage_cents rounds the cost half up once, as costCents does', async () => {
  await fc.assert(
    fc.asyncProperty(seconds, rate, async (s, r) => {
      expect(await scalar('select vp_overage_cents($1, $2) as v', [s, r])).toBe(costCents(s, r));
    }),
    { numRuns: 300 },
  );
  // the halves: 1 s at 30 c/min is exactly half a cent, 1 s at 29 c/min just below
  expect(await scalar('select vp_overage_cents(1, 30) as v', [])).toBe(costCents(1, 30));
  expect(await scalar('select vp_overage_cents(1, 29) as v', [])).toBe(costCents(1, 29));
});

it('a period closes with the overage cost capped by its limit, as overageCents computes it', async () => {
  await fc.assert(
    fc.asyncProperty(seconds, rate, limit, async (s, r, l) => {
      expect(await scalar('select least(vp_overage_cents($1, $2), $3) as v', [s, r, l])).toBe(overageCents(s, r, l));
    }),
    { numRuns: 200 },
  );
});

it('vp_overage_max_seconds is the largest overage within the limit, as overageMaxSeconds is', async () => {
  await fc.assert(
    fc.asyncProperty(limit, rate, async (l, r) => {
      const max = await scalar('select vp_overage_max_seconds($1, $2) as v', [l, r]);
      expect(max).toBe(overageMaxSeconds(l, r));
      if (l > 0) {
        expect(await scalar('select vp_overage_cents($1, $2) as v', [max, r])).toBeLessThanOrEqual(l);
        expect(await scalar('select vp_overage_cents($1, $2) as v', [max + 1, r])).toBeGreaterThan(l);
      }
    }),
    { numRuns: 300 },
  );
});

it('vp_round_up bills used seconds in whole increments, as billedSeconds does', async () => {
  await fc.assert(
    fc.asyncProperty(seconds, fc.integer({ min: 1, max: 3600 }), async (s, inc) => {
      expect(await scalar('select vp_round_up($1, $2) as v', [s, inc])).toBe(billedSeconds(s, inc));
    }),
    { numRuns: 300 },
  );
});

it('vp_consume takes grants in the consumption order of compareConsumptionOrder', async () => {
  const base = Date.parse('2026-06-01T00:00:00Z');
  const grant = fc.record({
    // few distinct values, so expiries and creation times tie and the later keys decide
    createdAt: fc.integer({ min: 0, max: 3 }),
    expiresIn: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
    seconds: fc.integer({ min: 1, max: 100 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(grant, { minLength: 1, maxLength: 6 }), async (grants) => {
      const userId = await newUser(db.em());
      const sorted = [...grants].sort((a, b) => a.createdAt - b.createdAt);
      for (const [i, g] of sorted.entries()) {
        const now = new Date(base + g.createdAt * 60_000);
        const expires = g.expiresIn === null ? null : new Date(base + (10 + g.expiresIn) * 60_000);
        await pg.query(`select vp_grant($1, 'BONUS', $2, $3, null, $4, 'fp', 'test', null, null, $5)`, [userId, g.seconds, expires, `g${i}`, now]);
      }
      const { rows } = await pg.query<{ id: string; expires_at: Date | null; created_at: Date }>(
        'select id, expires_at, created_at from credit_grants where user_id = $1',
        [userId],
      );
      const expected = rows
        .map((r) => ({ id: r.id, expiresAt: r.expires_at, createdAt: r.created_at }))
        .sort(compareConsumptionOrder)
        .map((r) => r.id);
      const total = grants.reduce((n, g) => n + g.seconds, 0);
      await pg.query('begin');
      try {
        const {
          rows: [out],
        } = await pg.query<{ lineage: { grantId: string }[] }>('select vp_consume($1, $2, $3) as lineage', [userId, total, new Date(base + 5 * 60_000)]);
        expect(out.lineage.map((l) => l.grantId)).toEqual(expected);
      } finally {
        await pg.query('rollback');
      }
    }),
    { numRuns: 40 },
  );
});
