// The audit log: append-only in the database, written in the same transaction as the change it
// records (a change without its entry cannot commit), once per effect, never with personal data.
import { randomUUID } from 'node:crypto';
import { adjustCredits } from '../../src/domain/ledger/adjust-credits';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { refundUsage } from '../../src/domain/ledger/refund-usage';
import { writeAudit, type Actor, type AuditJson } from '../../src/domain/audit/audit';
import { withTransaction } from '../../src/db/transaction';
import { grantConsent } from '../../src/domain/gdpr/consents';
import { ManualClock } from '../../src/shared/clock';
import { createTestDb, type TestDb } from '../support/test-db';
import { deps, newUser, newUserWithBonus, unwrap } from '../support/ledger-fixtures';

let db: TestDb;
const admin: Actor = { id: randomUUID(), role: 'ADMIN' };
const clock = new ManualClock(new Date('2026-11-10T10:00:00Z'));

beforeAll(async () => {
  db = await createTestDb(4);
});
afterAll(async () => {
  await db.close();
});

async function entries(userId: string) {
  return db.em().getConnection().execute<Record<string, any>[]>('select * from audit_log where target_user_id = ? order by id', [userId]); // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [r] = await db.em().getConnection().execute<{ n: string }[]>(sql, params);
  return Number(r!.n);
}

describe('audit log', () => {
  it.each([
    ['update', "update audit_log set action = 'USER_ERASED'"],
    ['delete', 'delete from audit_log'],
    ['truncate', 'truncate audit_log'],
  ])('refuses %s in the database', async (_op, sql) => {
    const userId = await newUser(db.em());
    await withTransaction(db.em(), (tx) => writeAudit(tx, { actor: admin, action: 'USER_CREATED', targetUserId: userId, after: { role: 'USER' } }));
    const before = await count('select count(*) as n from audit_log');
    await expect(db.em().getConnection().execute(sql)).rejects.toThrow(/audit_log is append-only/);
    expect(await count('select count(*) as n from audit_log')).toBe(before);
  });

  it.each([
    ['update', 'update consent_records set granted = false'],
    ['delete', 'delete from consent_records'],
    ['truncate', 'truncate consent_records'],
  ])('keeps the consent history append-only too (%s refused)', async (_op, sql) => {
    const userId = await newUser(db.em());
    unwrap(
      await grantConsent(
        { em: db.em(), actor: { id: userId, role: 'USER' } },
        {
          userId,
          purpose: 'VOICE_RECORDING',
          policyVersion: '2026-01',
          source: 'web',
        },
      ),
    );
    await expect(db.em().getConnection().execute(sql)).rejects.toThrow(/consent_records is append-only/);
  });

  it('records an admin grant with before and after, once however often the request is replayed', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 600);
    const input = { userId, seconds: 120, source: 'BONUS' as const, reason: 'goodwill for an outage', idempotencyKey: 'bonus-1' };
    const first = unwrap(await grantCredits({ ...deps(db.em(), clock), actor: admin }, input));
    for (let i = 0; i < 3; i++) unwrap(await grantCredits({ ...deps(db.em(), clock), actor: admin }, input));
    const rows = await entries(userId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor_id: admin.id,
      actor_role: 'ADMIN',
      action: 'CREDITS_GRANTED',
      subject_id: first.transaction.id,
      before: { balanceSeconds: 600 },
      after: { balanceSeconds: 720, grantId: first.grant.id, source: 'BONUS', seconds: 120, expiresAt: null, sequence: 2 },
    });
    // the reason is free text: it is in the ledger entry, not in the audit log
    expect(JSON.stringify(rows[0])).not.toContain('goodwill');
  });

  it('writes nothing when the change fails, and no change commits without its entry', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 600);
    const ledgerBefore = await count('select count(*) as n from ledger_entries where user_id = ?', [userId]);
    // a business failure raised inside the ledger function (expiry in the past): no grant, no entry
    const r = await grantCredits(
      { ...deps(db.em(), clock), actor: admin },
      {
        userId,
        seconds: 60,
        source: 'BONUS',
        expiresAt: new Date('2020-01-01T00:00:00Z'),
        idempotencyKey: 'past',
      },
    );
    expect(r.ok || r.error.code).toBe('INVALID_EXPIRY');
    expect(await entries(userId)).toHaveLength(0);
    // the audit insert fails (a constraint added for the test): the grant is rolled back with it
    const conn = db.em().getConnection();
    await conn.execute(`alter table audit_log add constraint test_no_grants check (action <> 'CREDITS_GRANTED') not valid`);
    try {
      await expect(
        grantCredits({ ...deps(db.em(), clock), actor: admin }, { userId, seconds: 60, source: 'BONUS', idempotencyKey: 'blocked' }),
      ).rejects.toThrow(/test_no_grants/);
    } finally {
      await conn.execute('alter table audit_log drop constraint test_no_grants');
    }
    expect(await count('select count(*) as n from ledger_entries where user_id = ?', [userId])).toBe(ledgerBefore);
    expect(await count('select count(*) as n from credit_grants where user_id = ?', [userId])).toBe(1);
    // without an actor (a webhook, a job) nothing is audited: only changes by hand are
    unwrap(await grantCredits(deps(db.em(), clock), { userId, seconds: 60, source: 'PURCHASE', idempotencyKey: 'machine' }));
    expect(await entries(userId)).toHaveLength(0);
  });

  it('records refunds and adjustments by hand', async () => {
    const userId = await newUserWithBonus(db.em(), clock, 600);
    const usage = unwrap(await recordUsage(deps(db.em(), clock), { userId, seconds: 100, idempotencyKey: 'call' }));
    const refund = unwrap(
      await refundUsage(
        { ...deps(db.em(), clock), actor: admin },
        {
          transactionId: usage.transaction!.id,
          seconds: 40,
          idempotencyKey: 'r1',
        },
      ),
    );
    unwrap(await adjustCredits({ ...deps(db.em(), clock), actor: admin }, { userId, seconds: -30, reason: 'correction', idempotencyKey: 'a1' }));
    unwrap(await adjustCredits({ ...deps(db.em(), clock), actor: admin }, { userId, seconds: -30, reason: 'correction', idempotencyKey: 'a1' }));
    const rows = await entries(userId);
    expect(rows.map((r) => [r.action, r.before, r.after])).toEqual([
      [
        'USAGE_REFUNDED',
        { balanceSeconds: 500 },
        {
          balanceSeconds: 540,
          refundedSeconds: 40,
          refundTransactionId: refund.transaction.id,
          sequence: 3,
          grants: [{ seconds: 40, expiresAt: null }],
        },
      ],
      ['CREDITS_ADJUSTED', { balanceSeconds: 540 }, { balanceSeconds: 510, seconds: -30, sequence: 4 }],
    ]);
    expect(rows[0]!.subject_id).toBe(usage.transaction!.id);
  });

  it('refuses free text and emails in an entry (a programmer error), and writes nothing', async () => {
    const userId = await newUser(db.em());
    for (const after of [{ note: 'Anna Müller called' }, { email: 'anna@example.com' }] as AuditJson[]) {
      await expect(withTransaction(db.em(), (tx) => writeAudit(tx, { actor: admin, action: 'USER_CREATED', targetUserId: userId, after }))).rejects.toThrow(
        /free text or personal data/,
      );
    }
    expect(await entries(userId)).toHaveLength(0);
  });
});
