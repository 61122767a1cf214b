// verifyLedger reads the books independently of the code that wrote them: a row changed behind
// the triggers' back is found, with the first bad sequence number.
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { reserveCredits } from '../../src/domain/ledger/reserve-credits';
import { expireDue } from '../../src/domain/ledger/expire-due';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { ManualClock } from '../../src/shared/clock';
import { createTestDb, type TestDb } from '../support/test-db';
import { deps, newUserWithBonus, unwrap } from '../support/ledger-fixtures';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb(4);
});
afterAll(async () => {
  await db.close();
});

async function tamper(sql: string, params: unknown[]): Promise<void> {
  // a superuser with the append-only triggers switched off, as an attacker or a careless fix would
  await db.em().getConnection().execute(`
    begin;
    alter table ledger_entries disable trigger ledger_entries_no_update_delete;
    ${sql.replace(/\?/g, () => `'${String(params.shift())}'`)};
    alter table ledger_entries enable trigger ledger_entries_no_update_delete;
    commit;`);
}

describe('ledger verification', () => {
  it('finds an amount changed behind the triggers, at its sequence number', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const userId = await newUserWithBonus(db.em(), clock, 600);
    for (let i = 0; i < 5; i++) unwrap(await recordUsage(deps(db.em(), clock), { userId, seconds: 10, idempotencyKey: `u${i}` }));
    expect((await verifyLedger({ em: db.em() }, userId)).ok).toBe(true);
    await tamper('update ledger_entries set amount_seconds = -1 where user_id = ? and sequence = 3', [userId]);
    const report = await verifyLedger({ em: db.em() }, userId);
    expect(report.ok).toBe(false);
    expect(report.firstBadSequence).toBe(3);
    expect(report.problems.map((p) => p.invariant)).toEqual(expect.arrayContaining([2, 7]));
  });

  it('finds a description rewritten behind the triggers through the hash chain alone', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const userId = await newUserWithBonus(db.em(), clock, 600);
    unwrap(await recordUsage(deps(db.em(), clock), { userId, seconds: 10, idempotencyKey: 'u1', description: 'call with Müller' }));
    await tamper('update ledger_entries set description = ? where user_id = ? and sequence = 2', ['call with Meier', userId]);
    const report = await verifyLedger({ em: db.em() }, userId);
    expect(report.problems).toEqual([{ invariant: 7, sequence: 2, message: 'hash does not match the chain' }]);
  });

  it('reports disabled append-only triggers', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const userId = await newUserWithBonus(db.em(), clock, 60);
    const conn = db.em().getConnection();
    await conn.execute('alter table ledger_entries disable trigger ledger_entries_no_truncate');
    try {
      const report = await verifyLedger({ em: db.em() }, userId);
      expect(report.problems.map((p) => p.invariant)).toEqual([6]);
    } finally {
      await conn.execute('alter table ledger_entries enable trigger ledger_entries_no_truncate');
    }
  });

  it('releases holds past their TTL for idle users in the sweep', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const users = [await newUserWithBonus(db.em(), clock, 600), await newUserWithBonus(db.em(), clock, 600)];
    for (const userId of users) {
      unwrap(await reserveCredits(deps(db.em(), clock), { userId, seconds: 300, idempotencyKey: 'h', ttlSeconds: 60 }));
    }
    clock.advanceSeconds(61);
    const settled = await expireDue(deps(db.em(), clock), 100);
    for (const userId of users) {
      expect(settled.find((b) => b.userId === userId)).toMatchObject({ reservedSeconds: 0, balanceSeconds: 600 });
      expect((await verifyLedger({ em: db.em() }, userId)).ok).toBe(true);
    }
  });
});
