// verifyLedger reads the books independently of the code that wrote them: a row changed behind
// the triggers' back is found, with the first bad sequence number.
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { reserveCredits } from '../../src/domain/ledger/reserve-credits';
import { expireDue } from '../../src/domain/ledger/expire-due';
import { verifyLedger } from '../../src/domain/ledger/verify-ledger';
import { reconcileAllLedgers, type LedgerDrift } from '../../src/domain/ledger/reconcile-ledgers';
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

  it('reconciles every user in batches: reports the tampered one with its first bad sequence, once in the audit log, and repairs nothing', async () => {
    const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));
    const users: string[] = [];
    for (let i = 0; i < 7; i++) {
      const userId = await newUserWithBonus(db.em(), clock, 600);
      for (let j = 0; j < 3; j++) unwrap(await recordUsage(deps(db.em(), clock), { userId, seconds: 10, idempotencyKey: `r${j}` }));
      users.push(userId);
    }
    const victim = users[4]!;
    await tamper('update ledger_entries set balance_after_seconds = 999 where user_id = ? and sequence = 3', [victim]);
    const told: LedgerDrift[] = [];
    const warnings: object[] = [];
    const logger = { warn: (o: object) => warnings.push(o), error: () => undefined };
    // batches of 3 users, 2 at a time: every user is reached across batch boundaries
    const run = () => reconcileAllLedgers({ em: db.em(), logger, onDrift: (d) => told.push(d), batchUsersMax: 3, concurrencyMax: 2 });
    const first = await run();
    const [{ n: userCount }] = await db.em().getConnection().execute<{ n: string }[]>('select count(*) as n from credit_balances');
    expect(first.usersChecked).toBe(Number(userCount));
    expect(first.errors).toEqual([]);
    const mine = first.drift.filter((d) => users.includes(d.userId));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ userId: victim, firstBadSequence: 3, invariants: [2, 7] });
    expect(told.map((d) => d.userId)).toContain(victim);
    expect(warnings).toContainEqual(expect.objectContaining({ userId: victim, firstBadSequence: 3 }));
    // a second run finds the same drift again but records it once
    const second = await run();
    expect(second.drift.find((d) => d.userId === victim)).toMatchObject({ firstBadSequence: 3 });
    const audit = await db
      .em()
      .getConnection()
      .execute<{ action: string; actor_role: string; after: { firstBadSequence: number; invariants: number[] } }[]>(
        'select action, actor_role, after from audit_log where target_user_id = ?',
        [victim],
      );
    expect(audit).toEqual([
      { action: 'LEDGER_DRIFT_FOUND', actor_role: 'SYSTEM', after: expect.objectContaining({ firstBadSequence: 3, invariants: [2, 7] }) },
    ]);
    // never repaired: the row is as the tamperer left it
    const [row] = await db
      .em()
      .getConnection()
      .execute<{ b: string }[]>('select balance_after_seconds as b from ledger_entries where user_id = ? and sequence = 3', [victim]);
    expect(Number(row!.b)).toBe(999);
  });
});
