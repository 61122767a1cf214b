// The rollup's very first pass on a fresh database, while another transaction is open (the normal
// case under load): it must not fail, and the usage of that transaction is folded in once it ends.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { refreshUsageRollups } from '../../src/domain/analytics/refresh-usage-rollups';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { ManualClock } from '../../src/shared/clock';
import { deps, newUserWithBonus, unwrap } from '../support/ledger-fixtures';
import { createTestDb, type TestDb } from '../support/test-db';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

it('starts while a transaction is open: the first pass waits instead of failing, the next ones fold everything in once', async () => {
  const clock = new ManualClock(new Date('2026-11-20T12:00:00Z'));
  const userId = await newUserWithBonus(db.em(), clock, 10_000);
  const [state] = await db.em().getConnection().execute<{ horizon: string }[]>(`select horizon_at::text as horizon from usage_rollup_state`);
  expect(state!.horizon).toBe('-infinity'); // nothing has run yet
  unwrap(await recordUsage(deps(db.em(), clock), { userId, seconds: 30, idempotencyKey: `u-${randomUUID()}` }));
  const open = new Client({ connectionString: db.url });
  await open.connect();
  try {
    await open.query('begin');
    await open.query('select txid_current()'); // holds a transaction id, as a write in progress does
    const first = await refreshUsageRollups({ em: db.em() });
    expect(first.consumed).toBe(0); // the horizon stays before the open transaction
    await open.query('commit');
    const second = await refreshUsageRollups({ em: db.em() });
    expect(second.consumed).toBe(1);
    const [rolled] = await db
      .em()
      .getConnection()
      .execute<{ used: number }[]>('select sum(used_seconds)::int as used from usage_daily where user_id = ?', [userId]);
    expect(rolled!.used).toBe(30);
    expect((await refreshUsageRollups({ em: db.em() })).consumed).toBe(0);
  } finally {
    await open.end();
  }
});
