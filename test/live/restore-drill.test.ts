// Restore drill (README: Backup and restore): after a scripted workload — checkouts paid through
// Stripe webhooks, grants, usage, holds, a refund — the database is dumped with pg_dump (custom
// format), restored with pg_restore into a fresh database, and every user's ledger verifies there
// with the same balance, entry count and chain head; every table has the same rows; the ledger's
// guards came along; and a service started on the copy carries on the books.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/env';
import { startService } from '../../src/app/service';
import { createOrm, type Orm } from '../../src/db/orm';
import { verifyLedger, type LedgerReport } from '../../src/domain/ledger/verify-ledger';
import { createLogger } from '../../src/observability/logger';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import type { TestApi } from '../support/api';
import { Q } from '../support/http-client';
import { dbUrl, FILE_DB_PREFIX, withAdmin } from '../support/pg-admin';
import { startStripeApi } from '../support/stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_test_restore';
let fake: FakeStripe;
let api: TestApi;
let dir: string;
const restoredName = `${FILE_DB_PREFIX}restore_${randomBytes(4).toString('hex')}`;
let restored: Orm | null = null;

/** The operator's check (npm run verify:ledgers) on a database: its exit code and output lines. */
function verifyAll(url: string): { code: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, [join(__dirname, '..', '..', 'dist', 'src', 'app', 'verify-ledgers-cli.js')], {
    env: { ...process.env, DATABASE_URL: url, NODE_ENV: 'test' },
    encoding: 'utf8',
  });
  return { code: r.status, lines: r.stdout.trim().split('\n') };
}

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET));
  dir = mkdtempSync(join(tmpdir(), 'vp-restore-'));
});
afterAll(async () => {
  await restored?.close(true);
  await api?.stop();
  await fake?.close();
  await withAdmin((c) => c.query(`drop database if exists ${restoredName} with (force)`));
  rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(query: string, variables: Record<string, unknown>, token: string): Promise<Record<string, any>> {
  const r = await api.gql(query, variables, { token });
  if (r.body.errors) throw new Error(JSON.stringify(r.body.errors));
  for (const v of Object.values(r.body.data ?? {})) if ((v as { userErrors?: unknown[] })?.userErrors?.length) throw new Error(JSON.stringify(v));
  return r.body.data!;
}

async function workload(): Promise<string[]> {
  const admin = await api.account('ADMIN');
  const service = await api.account('SERVICE');
  const users: string[] = [];
  for (let i = 0; i < 4; i++) {
    const u = await api.account('USER');
    users.push(u.id);
    if (i < 2) {
      // a Business membership through checkout: webhooks → invoice.paid → 800 minutes
      const s = await ok(Q.checkout, { i: { plan: 'BUSINESS', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } }, u.token);
      await fake.completeCheckout(s.createCheckoutSession.sessionId);
      await until('the plan grant', async () => (await ok(Q.balance, { u: u.id }, admin.token)).balance.balanceSeconds === 48_000);
    } else {
      await ok(Q.grant, { i: { userId: u.id, seconds: 3600, source: 'BONUS', idempotencyKey: 'welcome' } }, admin.token);
    }
    for (let c = 0; c < 5; c++) await ok(Q.record, { i: { userId: u.id, seconds: 37 + c, idempotencyKey: `call-${c}` } }, service.token);
    const hold = await ok(Q.reserve, { i: { userId: u.id, seconds: 120, idempotencyKey: 'hold' } }, service.token);
    await ok(Q.extend, { i: { reservationId: hold.reserveCredits.reservation.id, seconds: 60, idempotencyKey: 'hold-more' } }, service.token);
    await ok(Q.commit, { i: { reservationId: hold.reserveCredits.reservation.id, usedSeconds: 150 } }, service.token);
    const call = await ok(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { transaction { id } userErrors { code } } }',
      { i: { userId: u.id, seconds: 90, idempotencyKey: 'dropped-call' } },
      service.token,
    );
    await ok(
      'mutation($i: RefundUsageInput!) { refundUsage(input: $i) { userErrors { code } } }',
      { i: { transactionId: call.recordUsage.transaction.id, seconds: 90, idempotencyKey: 'refund-dropped', reason: 'dropped' } },
      admin.token,
    );
  }
  // one hold left open: a reservation in flight at backup time
  await ok(Q.reserve, { i: { userId: users[0], seconds: 300, idempotencyKey: 'open-hold' } }, service.token);
  return users;
}

interface Books {
  balance: number;
  entries: number;
  head: string;
}

async function books(orm: Orm, users: string[]): Promise<Record<string, Books>> {
  const out: Record<string, Books> = {};
  for (const userId of users) {
    const report: LedgerReport = await verifyLedger({ em: orm.em.fork() }, userId);
    expect({ userId, ok: report.ok, problems: report.problems }).toEqual({ userId, ok: true, problems: [] });
    const [head] = await orm.em
      .fork()
      .getConnection()
      .execute<{ hash: string; balance_seconds: string }[]>(
        `select e.hash, b.balance_seconds from credit_balances b join ledger_entries e on e.user_id = b.user_id
        where b.user_id = ? order by e.sequence desc limit 1`,
        [userId],
      );
    expect(Number(head!.balance_seconds)).toBe(report.balanceSeconds);
    out[userId] = { balance: report.balanceSeconds, entries: report.entriesChecked, head: head!.hash };
  }
  return out;
}

async function rowCounts(orm: Orm): Promise<Record<string, number>> {
  const conn = orm.em.fork().getConnection();
  const tables = await conn.execute<{ name: string }[]>(`select tablename as name from pg_tables where schemaname = 'public' order by 1`);
  const out: Record<string, number> = {};
  for (const t of tables) out[t.name] = Number((await conn.execute<{ n: string }[]>(`select count(*) as n from "${t.name}"`))[0]!.n);
  return out;
}

describe('restore drill', () => {
  it('restores a pg_dump into a fresh database where every ledger verifies with the same books', async () => {
    const users = await workload();
    const before = await books(api.db.orm, users);
    const countsBefore = await rowCounts(api.db.orm);
    expect(countsBefore.ledger_entries).toBeGreaterThan(30);
    expect(countsBefore.webhook_events).toBe(6);

    // back up: one consistent snapshot, custom format (compressed, selective restore)
    const file = join(dir, 'billing.dump');
    execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', file, '--dbname', api.db.url]);
    expect(statSync(file).size).toBeGreaterThan(0);

    // restore into a fresh database; the ledger triggers refuse UPDATE/DELETE/TRUNCATE, not the restore's COPY
    await withAdmin((c) => c.query(`create database ${restoredName}`));
    execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', '--dbname', dbUrl(restoredName), file]);
    restored = await createOrm({ databaseUrl: dbUrl(restoredName), poolMax: 2 });

    expect(await books(restored, users)).toEqual(before);
    expect(await rowCounts(restored)).toEqual(countsBefore);
    // the operator's check agrees: every ledger verifies, with the same totals on both sides
    const source = verifyAll(api.db.url);
    expect(source.code).toBe(0);
    expect(JSON.parse(source.lines.at(-1)!)).toMatchObject({ usersWithProblems: 0 });
    expect(verifyAll(dbUrl(restoredName))).toEqual(source);
    // the guards came along
    const conn = restored.em.fork().getConnection();
    await expect(conn.execute('update ledger_entries set amount_seconds = amount_seconds where user_id = ?', [users[0]])).rejects.toThrow();
    await expect(conn.execute('truncate ledger_entries cascade')).rejects.toThrow();

    // the copy serves: nothing to migrate, and the books carry on from the restored chain head
    const service = await startService(
      loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: dbUrl(restoredName), DATABASE_POOL_MAX: '2' }),
      createLogger('silent'),
      'api',
    );
    try {
      const ready = await fetch(`http://127.0.0.1:${service.port}/readyz`);
      expect(await ready.json()).toMatchObject({ ready: true, checks: { migrations: 'ok' } });
      const serviceToken = (await api.account('SERVICE')).token; // the same JWT secret
      const res = await fetch(`http://127.0.0.1:${service.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` },
        body: JSON.stringify({ query: Q.record, variables: { i: { userId: users[3], seconds: 10, idempotencyKey: `after-restore-${randomUUID()}` } } }),
      });
      expect(((await res.json()) as { data: { recordUsage: { balance: { balanceSeconds: number } } } }).data.recordUsage.balance.balanceSeconds).toBe(
        before[users[3]!]!.balance - 10,
      );
      const report = await verifyLedger({ em: restored.em.fork() }, users[3]!);
      expect(report).toMatchObject({ ok: true, entriesChecked: before[users[3]!]!.entries + 1 });
    } finally {
      await service.stop();
    }

    // and it would tell: an entry rewritten behind the triggers fails the check, naming the user
    await conn.execute('alter table ledger_entries disable trigger ledger_entries_no_update_delete');
    await conn.execute(`update ledger_entries set description = 'rewritten' where user_id = ? and sequence = 2`, [users[1]]);
    await conn.execute('alter table ledger_entries enable trigger ledger_entries_no_update_delete');
    const tampered = verifyAll(dbUrl(restoredName));
    expect(tampered.code).toBe(1);
    expect(tampered.lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([
      { userId: users[1], firstBadSequence: 2, problems: [{ invariant: 7, sequence: 2, message: 'hash does not match the chain' }] },
    ]);
    expect(JSON.parse(tampered.lines.at(-1)!)).toMatchObject({ usersWithProblems: 1 });
  });
});
