// The largest balance (billing rules §4, limits.balanceSecondsMax = 2^31 − 1 s) and adjustCredits,
// over real HTTP: a grant, refund or adjustment past the largest balance answers
// BALANCE_LIMIT_EXCEEDED and writes nothing, and the balance stays readable; an admin's
// adjustment is keyed, audited, never below zero and never past the largest balance.
import { randomUUID } from 'node:crypto';
import { limits } from '../../src/config/limits';
import { outcome, startTestApi, type Account, type TestApi } from '../support/api';
import { snapshotCounts } from '../support/ledger-fixtures';

let api: TestApi;
let admin: Account;

beforeAll(async () => {
  api = await startTestApi({ QUEUE_PREFIX: `limits-adjust-api-${randomUUID().slice(0, 8)}` });
  admin = await api.account('ADMIN');
});
afterAll(async () => {
  await api.stop();
});

const MONTH_SECONDS = 2_678_400; // 31 days, the largest single grant
const GRANT = 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { balance { balanceSeconds } userErrors { code field } } }';
const ADJUST = `mutation($i: AdjustCreditsInput!) { adjustCredits(input: $i) {
  transaction { id type amountSeconds balanceAfterSeconds description sequence }
  balance { balanceSeconds availableSeconds reservedSeconds version }
  userErrors { code field } } }`;
const BALANCE = 'query($u: ID) { balance(userId: $u) { balanceSeconds reservedSeconds availableSeconds periodIncludedSeconds periodUsedSeconds } }';
const RESERVE = 'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { userErrors { code } } }';

const sql = <T = Record<string, unknown>>(q: string, p: unknown[] = []) => api.db.em().getConnection().execute<T[]>(q, p);

/** Everything a money write touches, the audit log included: equal before and after = nothing written. */
async function counts(): Promise<Record<string, number>> {
  const [audit] = await sql<{ n: string }>('select count(*) as n from audit_log');
  return { ...(await snapshotCounts(api.db.em())), audit_log: Number(audit!.n) };
}

/** n BONUS grants of a month each, straight through the ledger function (801 over HTTP is slow). */
async function seedMonths(userId: string, n: number): Promise<void> {
  await sql(
    `select count(vp_grant(?::uuid, 'BONUS', ${MONTH_SECONDS}, null, null, 'seed-' || i, 'seed', 'seed', null, null, now()))
               from generate_series(1, ?::int) i`,
    [userId, n],
  );
}

async function balanceOf(userId: string) {
  const res = await api.gql(BALANCE, { u: userId }, admin.auth);
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.balance as { balanceSeconds: number; reservedSeconds: number; availableSeconds: number };
}

async function adjust(userId: string, seconds: number, key: string, reason = 'correction', auth = admin.auth) {
  return api.gql(ADJUST, { i: { userId, seconds, reason, idempotencyKey: key } }, auth);
}

describe('the largest balance', () => {
  it('is one number: the ledger SQL enforces limits.balanceSecondsMax, 2^31 − 1 seconds', async () => {
    expect(limits.balanceSecondsMax).toBe(2 ** 31 - 1);
    const [row] = await sql<{ max: string }>('select vp_balance_seconds_max() as max');
    expect(Number(row!.max)).toBe(limits.balanceSecondsMax);
  });

  it('refuses the grant that would pass it with BALANCE_LIMIT_EXCEEDED, writes nothing, and the balance stays readable', async () => {
    const anna = await api.account('USER');
    await seedMonths(anna.id, 801);
    const seeded = 801 * MONTH_SECONDS; // 2,145,398,400 s: one month more passes 2^31 − 1
    expect((await balanceOf(anna.id)).balanceSeconds).toBe(seeded);

    const before = await counts();
    const res = await api.gql(
      GRANT,
      { i: { userId: anna.id, seconds: MONTH_SECONDS, source: 'BONUS', reason: 'one more', idempotencyKey: 'one-more' } },
      admin.auth,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.grantCredits).toEqual({ balance: null, userErrors: [{ code: 'BALANCE_LIMIT_EXCEEDED', field: 'seconds' }] });
    expect(await counts()).toEqual(before);

    // readable by the user and by an admin
    const own = await api.gql('{ balance { balanceSeconds availableSeconds } }', {}, anna.auth);
    expect(own.body).toEqual({ data: { balance: { balanceSeconds: seeded, availableSeconds: seeded } } });
    expect(await balanceOf(anna.id)).toMatchObject({ balanceSeconds: seeded, availableSeconds: seeded });

    // what still fits is granted: exactly up to the largest balance, not a second more
    const room = limits.balanceSecondsMax - seeded;
    const fits = await api.gql(GRANT, { i: { userId: anna.id, seconds: room, source: 'BONUS', idempotencyKey: 'fits' } }, admin.auth);
    expect(fits.body.data!.grantCredits).toEqual({ balance: { balanceSeconds: limits.balanceSecondsMax }, userErrors: [] });
    const oneMore = await api.gql(GRANT, { i: { userId: anna.id, seconds: 1, source: 'PURCHASE', idempotencyKey: 'one-second' } }, admin.auth);
    expect(outcome(oneMore, 'grantCredits')).toBe('BALANCE_LIMIT_EXCEEDED');
    expect((await balanceOf(anna.id)).balanceSeconds).toBe(limits.balanceSecondsMax);
  }, 60_000);

  it('refuses a refund that would pass it, writing nothing', async () => {
    const ben = await api.account('USER');
    const service = await api.account('SERVICE');
    await seedMonths(ben.id, 1);
    const used = await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { transaction { id } userErrors { code } } }',
      { i: { userId: ben.id, seconds: 600, idempotencyKey: 'call-1' } },
      service.auth,
    );
    const usageId = used.body.data!.recordUsage.transaction.id as string;
    // fill the account to the largest balance by hand, then give back the usage
    const fill = limits.balanceSecondsMax - (MONTH_SECONDS - 600);
    await sql(`select vp_grant(?::uuid, 'BONUS', ?::bigint, null, null, 'fill', 'fill', 'fill', null, null, now())`, [ben.id, fill]);
    expect((await balanceOf(ben.id)).balanceSeconds).toBe(limits.balanceSecondsMax);
    const before = await counts();
    const refund = await api.gql(
      'mutation($i: RefundUsageInput!) { refundUsage(input: $i) { balance { balanceSeconds } userErrors { code } } }',
      { i: { transactionId: usageId, seconds: 60, reason: 'dropped call', idempotencyKey: 'refund-1' } },
      admin.auth,
    );
    expect(outcome(refund, 'refundUsage')).toBe('BALANCE_LIMIT_EXCEEDED');
    expect(await counts()).toEqual(before);
  });
});

describe('adjustCredits', () => {
  it('adds seconds as an ADJUSTMENT entry with its reason, audited with actor, user and delta', async () => {
    const cara = await api.account('USER');
    const res = await adjust(cara.id, 900, 'adj-add', 'goodwill after outage');
    expect(res.body.errors).toBeUndefined();
    const p = res.body.data!.adjustCredits;
    expect(p.userErrors).toEqual([]);
    expect(p.transaction).toMatchObject({ type: 'ADJUSTMENT', amountSeconds: 900, balanceAfterSeconds: 900, description: 'goodwill after outage' });
    expect(p.balance).toMatchObject({ balanceSeconds: 900, availableSeconds: 900 });
    const audit = await sql<{
      actor_id: string;
      actor_role: string;
      target_user_id: string;
      subject_id: string;
      before: unknown;
      after: Record<string, unknown>;
    }>(`select actor_id, actor_role, target_user_id, subject_id, before, after from audit_log where action = 'CREDITS_ADJUSTED' and target_user_id = ?`, [
      cara.id,
    ]);
    expect(audit).toEqual([
      {
        actor_id: admin.id,
        actor_role: 'ADMIN',
        target_user_id: cara.id,
        subject_id: p.transaction.id,
        before: { balanceSeconds: 0 },
        after: expect.objectContaining({ balanceSeconds: 900, seconds: 900 }),
      },
    ]);
    // the reason is on the ledger entry the audit entry names (the audit log holds no free text)
    const [entry] = await sql<{ description: string }>('select description from ledger_entries where id = ?', [p.transaction.id]);
    expect(entry!.description).toBe('goodwill after outage');
  });

  it('answers a retry with the same key and input with the first result and writes nothing; other input under the key is IDEMPOTENCY_KEY_REUSED', async () => {
    const dan = await api.account('USER');
    const first = await adjust(dan.id, 1200, 'adj-retry', 'migration fix');
    expect(outcome(first, 'adjustCredits')).toBe('OK');
    const before = await counts();
    const again = await adjust(dan.id, 1200, 'adj-retry', 'migration fix');
    expect(again.body.data!.adjustCredits.transaction).toEqual(first.body.data!.adjustCredits.transaction);
    expect(await counts()).toEqual(before);
    expect(outcome(await adjust(dan.id, 1300, 'adj-retry', 'migration fix'), 'adjustCredits')).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(outcome(await adjust(dan.id, 1200, 'adj-retry', 'another reason'), 'adjustCredits')).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await counts()).toEqual(before);
    expect((await balanceOf(dan.id)).balanceSeconds).toBe(1200);
  });

  it('removes seconds, but never more than is available (holds excluded): INSUFFICIENT_CREDITS, nothing written', async () => {
    const eve = await api.account('USER');
    const service = await api.account('SERVICE');
    expect(outcome(await adjust(eve.id, 1000, 'eve-add'), 'adjustCredits')).toBe('OK');
    expect(outcome(await api.gql(RESERVE, { i: { userId: eve.id, seconds: 300, idempotencyKey: 'hold-1' } }, service.auth), 'reserveCredits')).toBe('OK');
    const before = await counts();
    const tooMuch = await adjust(eve.id, -701, 'eve-too-much');
    expect(tooMuch.body.data!.adjustCredits).toMatchObject({ transaction: null, userErrors: [{ code: 'INSUFFICIENT_CREDITS' }] });
    expect(outcome(await adjust(eve.id, -1001, 'eve-way-too-much'), 'adjustCredits')).toBe('INSUFFICIENT_CREDITS');
    expect(await counts()).toEqual(before);
    const ok = await adjust(eve.id, -700, 'eve-remove');
    expect(ok.body.data!.adjustCredits).toMatchObject({
      transaction: { type: 'ADJUSTMENT', amountSeconds: -700, balanceAfterSeconds: 300 },
      balance: { balanceSeconds: 300, reservedSeconds: 300, availableSeconds: 0 },
      userErrors: [],
    });
  });

  it('never takes a balance past the largest one: BALANCE_LIMIT_EXCEEDED, nothing written', async () => {
    const fay = await api.account('USER');
    await sql(`select vp_grant(?::uuid, 'BONUS', ?::bigint, null, null, 'fill', 'fill', 'fill', null, null, now())`, [fay.id, limits.balanceSecondsMax - 10]);
    const before = await counts();
    expect(outcome(await adjust(fay.id, 11, 'fay-past'), 'adjustCredits')).toBe('BALANCE_LIMIT_EXCEEDED');
    expect(await counts()).toEqual(before);
    const exact = await adjust(fay.id, 10, 'fay-exact');
    expect(exact.body.data!.adjustCredits.balance.balanceSeconds).toBe(limits.balanceSecondsMax);
  });

  it('answers malformed input with a typed error and writes nothing', async () => {
    const gus = await api.account('USER');
    const before = await counts();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ seconds: 0 }, 'INVALID_SECONDS', 'seconds'],
      [{ seconds: limits.secondsPerOperationMax + 1 }, 'INVALID_SECONDS', 'seconds'],
      [{ seconds: -(limits.secondsPerOperationMax + 1) }, 'INVALID_SECONDS', 'seconds'],
      [{ reason: '' }, 'INVALID_ARGUMENT', 'reason'],
      [{ reason: '   ' }, 'INVALID_ARGUMENT', 'reason'],
      [{ reason: 'x'.repeat(limits.descriptionLengthMax + 1) }, 'INVALID_ARGUMENT', 'reason'],
      [{ idempotencyKey: '' }, 'INVALID_IDEMPOTENCY_KEY', 'idempotencyKey'],
      [{ idempotencyKey: 'k'.repeat(limits.idempotencyKeyLengthMax + 1) }, 'INVALID_IDEMPOTENCY_KEY', 'idempotencyKey'],
      [{ userId: randomUUID() }, 'USER_NOT_FOUND', 'userId'],
      [{ userId: 'not-a-uuid' }, 'USER_NOT_FOUND', 'userId'],
    ];
    for (const [change, code, field] of cases) {
      const res = await api.gql(ADJUST, { i: { userId: gus.id, seconds: 60, reason: 'fix', idempotencyKey: `bad-${code}-${field}`, ...change } }, admin.auth);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.adjustCredits.userErrors[0]).toMatchObject({ code });
    }
    // beyond 32 bits the Int input itself is refused before anything runs
    const huge = await api.gql(ADJUST, { i: { userId: gus.id, seconds: 2 ** 40, reason: 'fix', idempotencyKey: 'huge' } }, admin.auth);
    expect(huge.body.errors).toHaveLength(1);
    expect(huge.body.errors![0]!.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
    expect(await counts()).toEqual(before);
  });

  it('is ADMIN only: a user (even for themselves) and a service get FORBIDDEN, and nothing is written', async () => {
    const hal = await api.account('USER');
    const service = await api.account('SERVICE');
    const before = await counts();
    expect(outcome(await adjust(hal.id, 60, 'self', 'fix', hal.auth), 'adjustCredits')).toBe('FORBIDDEN');
    expect(outcome(await adjust(hal.id, 60, 'svc', 'fix', service.auth), 'adjustCredits')).toBe('FORBIDDEN');
    expect(outcome(await adjust(hal.id, 60, 'anon', 'fix', {}), 'adjustCredits')).toBe('UNAUTHENTICATED');
    expect(await counts()).toEqual(before);
  });
});
