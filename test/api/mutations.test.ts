// Every mutation over real HTTP: the happy path, each userErrors code it can return, and the
// unauthenticated and forbidden cases.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { outcome, startTestApi, type Account, type TestApi } from '../support/api';

let api: TestApi;
let admin: Account;
let service: Account;
let user: Account;
let rich: Account; // a USER with credit and an ACTIVE Starter membership (overage limit 30 c)

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.account('ADMIN');
  service = await api.account('SERVICE');
  user = await api.account('USER');
  rich = await api.account('USER');
  const now = Date.now();
  const r = await setMembership(
    { em: api.db.em() },
    {
      userId: rich.id,
      planCode: 'STARTER',
      status: 'ACTIVE',
      currentPeriodStart: new Date(now - 86_400_000),
      currentPeriodEnd: new Date(now + 86_400_000),
      overageLimitCents: 30,
    },
  );
  if (!r.ok) throw new Error(r.error.code);
  await grant(rich.id, 600, 'seed-rich');
});
afterAll(async () => {
  await api.stop();
});

const M = {
  createUser: 'mutation($input: CreateUserInput!) { createUser(input: $input) { user { id email role } userErrors { code field message } } }',
  recordUsage:
    'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { transaction { id type amountSeconds lineage { seconds grant { id source } } } balance { balanceSeconds version periodUsedSeconds periodOverageSeconds } billedSeconds overageSeconds userErrors { code field message } } }',
  reserveCredits:
    'mutation($input: ReserveCreditsInput!) { reserveCredits(input: $input) { reservation { id status reservedSeconds expiresAt } balance { reservedSeconds availableSeconds } userErrors { code field } } }',
  extendReservation:
    'mutation($input: ExtendReservationInput!) { extendReservation(input: $input) { reservation { id reservedSeconds } userErrors { code field } } }',
  commitReservation:
    'mutation($input: CommitReservationInput!) { commitReservation(input: $input) { reservation { status usedSeconds } transaction { amountSeconds } billedSeconds balance { balanceSeconds reservedSeconds } userErrors { code field } } }',
  releaseReservation:
    'mutation($input: ReleaseReservationInput!) { releaseReservation(input: $input) { reservation { status } balance { reservedSeconds } userErrors { code field } } }',
  grantCredits:
    'mutation($input: GrantCreditsInput!) { grantCredits(input: $input) { grant { id source grantedSeconds expiresAt } transaction { id type amountSeconds } balance { balanceSeconds } userErrors { code field } } }',
  refundUsage:
    'mutation($input: RefundUsageInput!) { refundUsage(input: $input) { transaction { type amountSeconds } balance { balanceSeconds } userErrors { code field } } }',
  createApiKey: 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id prefix role userId } secret userErrors { code field } } }',
  revokeApiKey: 'mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { apiKey { id revokedAt } userErrors { code field } } }',
};

async function grant(userId: string, seconds: number, key: string) {
  const res = await api.gql(M.grantCredits, { input: { userId, seconds, source: 'BONUS', idempotencyKey: key } }, admin.auth);
  expect(outcome(res, 'grantCredits')).toBe('OK');
  return res.body.data!.grantCredits;
}

async function newHold(userId: string, seconds = 60, ttlSeconds = 300) {
  const res = await api.gql(M.reserveCredits, { input: { userId, seconds, ttlSeconds, idempotencyKey: randomUUID() } }, service.auth);
  expect(outcome(res, 'reserveCredits')).toBe('OK');
  return res.body.data!.reserveCredits.reservation.id as string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createUser', () => {
  it('creates a user (SERVICE) and answers each failure with its code', async () => {
    const email = `new-${randomUUID()}@example.com`;
    const ok = await api.gql(M.createUser, { input: { email } }, service.auth);
    expect(ok.body.data!.createUser).toMatchObject({ user: { email, role: 'USER' }, userErrors: [] });
    expect(outcome(await api.gql(M.createUser, { input: { email } }, service.auth), 'createUser')).toBe('EMAIL_TAKEN');
    expect(outcome(await api.gql(M.createUser, { input: { email: 'not-an-email' } }, service.auth), 'createUser')).toBe('INVALID_EMAIL');
    expect(
      outcome(await api.gql(M.createUser, { input: { email: `tz-${randomUUID()}@example.com`, timeZone: 'Mars/Olympus' } }, admin.auth), 'createUser'),
    ).toBe('INVALID_ARGUMENT');
  });

  it('lets only an ADMIN create SERVICE and ADMIN users; refuses USERs and anonymous callers', async () => {
    expect(outcome(await api.gql(M.createUser, { input: { email: `s-${randomUUID()}@example.com`, role: 'SERVICE' } }, admin.auth), 'createUser')).toBe('OK');
    expect(outcome(await api.gql(M.createUser, { input: { email: `s-${randomUUID()}@example.com`, role: 'ADMIN' } }, service.auth), 'createUser')).toBe(
      'FORBIDDEN',
    );
    expect(outcome(await api.gql(M.createUser, { input: { email: `u-${randomUUID()}@example.com` } }, user.auth), 'createUser')).toBe('FORBIDDEN');
    const anon = await api.gql(M.createUser, { input: { email: `a-${randomUUID()}@example.com` } });
    expect(anon.status).toBe(401);
    expect(outcome(anon, 'createUser')).toBe('UNAUTHENTICATED');
  });
});

describe('recordUsage', () => {
  it("answers SERVICE_UNAVAILABLE, writes nothing and holds up no one else when its user's row stays locked", async () => {
    const stuck = await api.account('USER');
    const other = await api.account('USER');
    await grant(stuck.id, 600, 'seed-stuck');
    await grant(other.id, 600, 'seed-other');
    // another transaction holds the user's row and does not finish (a stuck client)
    const holder = new Client({ connectionString: api.db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from credit_balances where user_id = $1 for update', [stuck.id]);
      const started = Date.now();
      const [blocked, free] = await Promise.all([
        api.gql(M.recordUsage, { input: { userId: stuck.id, seconds: 30, idempotencyKey: 'stuck-1' } }, service.auth),
        new Promise((r) => setTimeout(r, 200)).then(() =>
          api.gql(M.recordUsage, { input: { userId: other.id, seconds: 30, idempotencyKey: 'free-1' } }, service.auth).then((res) => ({ res, at: Date.now() })),
        ),
      ]);
      expect(outcome(free.res, 'recordUsage')).toBe('OK');
      expect(blocked.status).toBe(503);
      expect(free.at - started).toBeLessThan(4000); // answered while the other call still waited
      expect(blocked.body.errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/retry with the same idempotency key/),
          extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 },
        }),
      ]);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    const [none] = await api.db.em().getConnection().execute(`select count(*)::int as n from usage_records where user_id = ?`, [stuck.id]);
    expect(none!.n).toBe(0);
    // the lock is gone: the same key again records the call, once
    const again = await api.gql(M.recordUsage, { input: { userId: stuck.id, seconds: 30, idempotencyKey: 'stuck-1' } }, service.auth);
    expect(outcome(again, 'recordUsage')).toBe('OK');
    expect(again.body.data!.recordUsage.balance.balanceSeconds).toBe(570);
  });

  it('records a call, with its lineage and the period usage', async () => {
    const res = await api.gql(M.recordUsage, { input: { userId: rich.id, seconds: 42, idempotencyKey: 'call-1', callId: 'c-1' } }, service.auth);
    const p = res.body.data!.recordUsage;
    expect(p.userErrors).toEqual([]);
    expect(p.transaction).toMatchObject({ type: 'USAGE', amountSeconds: -42, lineage: [{ seconds: 42, grant: { source: 'BONUS' } }] });
    expect(p.balance).toMatchObject({ balanceSeconds: 558, periodUsedSeconds: 42, periodOverageSeconds: 0 });
    const replay = await api.gql(M.recordUsage, { input: { userId: rich.id, seconds: 42, idempotencyKey: 'call-1', callId: 'c-1' } }, service.auth);
    expect(replay.body.data!.recordUsage.transaction.id).toBe(p.transaction.id);
  });

  it.each([
    ['INVALID_SECONDS', { seconds: 0 }],
    ['INVALID_SECONDS', { seconds: -1 }],
    ['INVALID_IDEMPOTENCY_KEY', { idempotencyKey: 'x'.repeat(129) }],
    ['INVALID_ARGUMENT', { description: 'x'.repeat(501) }],
    ['INVALID_ARGUMENT', { occurredAt: '2020-01-01T00:00:00Z' }],
    ['USER_NOT_FOUND', { userId: randomUUID() }],
    ['IDEMPOTENCY_KEY_REUSED', { idempotencyKey: 'call-1', seconds: 43 }],
    ['INSUFFICIENT_CREDITS', { userId: 'USER', seconds: 10 }],
    ['OVERAGE_LIMIT_REACHED', { seconds: 100_000 }],
  ])('answers %s', async (code, patch) => {
    const input = { userId: rich.id, seconds: 5, idempotencyKey: randomUUID(), ...patch } as Record<string, unknown>;
    if (input.userId === 'USER') input.userId = user.id;
    expect(outcome(await api.gql(M.recordUsage, { input }, service.auth), 'recordUsage')).toBe(code);
  });

  it('is for SERVICE and ADMIN only', async () => {
    const input = { userId: user.id, seconds: 5, idempotencyKey: randomUUID() };
    expect(outcome(await api.gql(M.recordUsage, { input }, user.auth), 'recordUsage')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(M.recordUsage, { input }), 'recordUsage')).toBe('UNAUTHENTICATED');
  });
});

describe('holds', () => {
  it('reserves, extends and commits; commit of the same seconds again answers the same', async () => {
    const id = await newHold(rich.id, 60);
    const ext = await api.gql(M.extendReservation, { input: { reservationId: id, seconds: 30, idempotencyKey: randomUUID() } }, service.auth);
    expect(ext.body.data!.extendReservation).toMatchObject({ reservation: { reservedSeconds: 90 }, userErrors: [] });
    const done = await api.gql(M.commitReservation, { input: { reservationId: id, usedSeconds: 70 } }, service.auth);
    expect(done.body.data!.commitReservation).toMatchObject({
      reservation: { status: 'COMMITTED', usedSeconds: 70 },
      transaction: { amountSeconds: -70 },
      billedSeconds: 70,
      balance: { reservedSeconds: 0 },
      userErrors: [],
    });
    const again = await api.gql(M.commitReservation, { input: { reservationId: id, usedSeconds: 70 } }, service.auth);
    expect(again.body.data).toEqual(done.body.data);
  });

  it('releases a hold', async () => {
    const id = await newHold(rich.id, 60);
    const res = await api.gql(M.releaseReservation, { input: { reservationId: id } }, service.auth);
    expect(res.body.data!.releaseReservation).toMatchObject({ reservation: { status: 'RELEASED' }, userErrors: [] });
  });

  it.each([
    ['INVALID_SECONDS', { seconds: 0 }],
    ['INVALID_TTL', { ttlSeconds: 3601 }],
    ['INVALID_IDEMPOTENCY_KEY', { idempotencyKey: 'with space' }],
    ['USER_NOT_FOUND', { userId: randomUUID() }],
    ['INSUFFICIENT_CREDITS', { userId: 'USER' }],
    ['OVERAGE_LIMIT_REACHED', { seconds: 100_000 }],
  ])('reserveCredits answers %s', async (code, patch) => {
    const input = { userId: rich.id, seconds: 5, idempotencyKey: randomUUID(), ...patch } as Record<string, unknown>;
    if (input.userId === 'USER') input.userId = user.id;
    expect(outcome(await api.gql(M.reserveCredits, { input }, service.auth), 'reserveCredits')).toBe(code);
  });

  it('reserveCredits answers IDEMPOTENCY_KEY_REUSED and TOO_MANY_RESERVATIONS', async () => {
    const key = randomUUID();
    expect(outcome(await api.gql(M.reserveCredits, { input: { userId: rich.id, seconds: 1, idempotencyKey: key } }, service.auth), 'reserveCredits')).toBe(
      'OK',
    );
    expect(outcome(await api.gql(M.reserveCredits, { input: { userId: rich.id, seconds: 2, idempotencyKey: key } }, service.auth), 'reserveCredits')).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
    const many = await api.account('USER');
    await grant(many.id, 10_000, 'many');
    for (let i = 0; i < 200; i++) await newHold(many.id, 1);
    expect(
      outcome(await api.gql(M.reserveCredits, { input: { userId: many.id, seconds: 1, idempotencyKey: randomUUID() } }, service.auth), 'reserveCredits'),
    ).toBe('TOO_MANY_RESERVATIONS');
  });

  it('extend, commit and release answer each state failure with its code', async () => {
    const released = await newHold(rich.id, 5);
    await api.gql(M.releaseReservation, { input: { reservationId: released } }, service.auth);
    const expired = await newHold(rich.id, 5, 1);
    const active = await newHold(rich.id, 5);
    await sleep(1100);
    const ghost = randomUUID();
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['extendReservation', M.extendReservation, { reservationId: active, seconds: -1, idempotencyKey: randomUUID() }, 'INVALID_SECONDS'],
      ['extendReservation', M.extendReservation, { reservationId: active, seconds: 1, ttlSeconds: 0, idempotencyKey: randomUUID() }, 'INVALID_TTL'],
      ['extendReservation', M.extendReservation, { reservationId: ghost, seconds: 1, idempotencyKey: randomUUID() }, 'RESERVATION_NOT_FOUND'],
      ['extendReservation', M.extendReservation, { reservationId: released, seconds: 1, idempotencyKey: randomUUID() }, 'RESERVATION_NOT_ACTIVE'],
      ['extendReservation', M.extendReservation, { reservationId: expired, seconds: 1, idempotencyKey: randomUUID() }, 'RESERVATION_EXPIRED'],
      ['extendReservation', M.extendReservation, { reservationId: active, seconds: 100_000, idempotencyKey: randomUUID() }, 'OVERAGE_LIMIT_REACHED'],
      ['commitReservation', M.commitReservation, { reservationId: active, usedSeconds: -5 }, 'INVALID_SECONDS'],
      ['commitReservation', M.commitReservation, { reservationId: ghost, usedSeconds: 1 }, 'RESERVATION_NOT_FOUND'],
      ['commitReservation', M.commitReservation, { reservationId: released, usedSeconds: 1 }, 'RESERVATION_NOT_ACTIVE'],
      ['commitReservation', M.commitReservation, { reservationId: expired, usedSeconds: 1 }, 'RESERVATION_EXPIRED'],
      ['releaseReservation', M.releaseReservation, { reservationId: ghost }, 'RESERVATION_NOT_FOUND'],
      ['releaseReservation', M.releaseReservation, { reservationId: expired }, 'RESERVATION_EXPIRED'],
    ];
    for (const [field, query, input, code] of cases) {
      expect([field, input, outcome(await api.gql(query, { input }, service.auth), field)]).toEqual([field, input, code]);
    }
    await api.gql(M.commitReservation, { input: { reservationId: active, usedSeconds: 1 } }, service.auth);
    expect(outcome(await api.gql(M.releaseReservation, { input: { reservationId: active } }, service.auth), 'releaseReservation')).toBe(
      'RESERVATION_NOT_ACTIVE',
    );
    expect(
      outcome(
        await api.gql(M.extendReservation, { input: { reservationId: active, seconds: 0, idempotencyKey: randomUUID() } }, service.auth),
        'extendReservation',
      ),
    ).toBe('RESERVATION_NOT_ACTIVE');
  });

  it('extend with a replayed key answers the first extend; with other seconds IDEMPOTENCY_KEY_REUSED', async () => {
    const id = await newHold(rich.id, 5);
    const key = randomUUID();
    const first = await api.gql(M.extendReservation, { input: { reservationId: id, seconds: 5, idempotencyKey: key } }, service.auth);
    const again = await api.gql(M.extendReservation, { input: { reservationId: id, seconds: 5, idempotencyKey: key } }, service.auth);
    expect(again.body.data).toEqual(first.body.data);
    expect(
      outcome(await api.gql(M.extendReservation, { input: { reservationId: id, seconds: 6, idempotencyKey: key } }, service.auth), 'extendReservation'),
    ).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses an extend without an idempotency key as bad input and extends nothing', async () => {
    const id = await newHold(rich.id, 60);
    const res = await api.gql(M.extendReservation, { input: { reservationId: id, seconds: 60 } }, service.auth);
    expect(res.status).toBe(400);
    expect(outcome(res, 'extendReservation')).toBe('BAD_USER_INPUT');
    expect(res.body.errors![0]!.message).toMatch(/idempotencyKey/);
    const [row] = await api.db.em().getConnection().execute('select reserved_seconds::int as s from reservations where id = ?', [id]);
    expect(row!.s).toBe(60);
  });

  it('a retried extend with its key holds the added seconds once (60 + 60 is 120, never 180)', async () => {
    const id = await newHold(rich.id, 60);
    const input = { reservationId: id, seconds: 60, idempotencyKey: randomUUID() };
    const first = await api.gql(M.extendReservation, { input }, service.auth);
    expect(first.body.data!.extendReservation).toMatchObject({ reservation: { reservedSeconds: 120 }, userErrors: [] });
    const retried = await api.gql(M.extendReservation, { input }, service.auth);
    expect(retried.body.data).toEqual(first.body.data);
    const [row] = await api.db.em().getConnection().execute('select reserved_seconds::int as s from reservations where id = ?', [id]);
    expect(row!.s).toBe(120);
    expect(outcome(await api.gql(M.extendReservation, { input: { ...input, ttlSeconds: 60 } }, service.auth), 'extendReservation')).toBe(
      'IDEMPOTENCY_KEY_REUSED',
    );
  });

  it.each([
    ['an empty key', ''],
    ['a key with a space', 'with space'],
    ['a key over 128 characters', 'x'.repeat(129)],
  ])('refuses an extend with %s as INVALID_IDEMPOTENCY_KEY', async (_what, idempotencyKey) => {
    const id = await newHold(rich.id, 60);
    expect(outcome(await api.gql(M.extendReservation, { input: { reservationId: id, seconds: 60, idempotencyKey } }, service.auth), 'extendReservation')).toBe(
      'INVALID_IDEMPOTENCY_KEY',
    );
  });

  it('holds are for SERVICE and ADMIN only', async () => {
    const id = await newHold(rich.id, 5);
    const calls: [string, string, Record<string, unknown>][] = [
      ['reserveCredits', M.reserveCredits, { userId: user.id, seconds: 1, idempotencyKey: randomUUID() }],
      ['extendReservation', M.extendReservation, { reservationId: id, seconds: 1, idempotencyKey: randomUUID() }],
      ['commitReservation', M.commitReservation, { reservationId: id, usedSeconds: 1 }],
      ['releaseReservation', M.releaseReservation, { reservationId: id }],
    ];
    for (const [field, query, input] of calls) {
      expect(outcome(await api.gql(query, { input }, rich.auth), field)).toBe('FORBIDDEN');
      expect(outcome(await api.gql(query, { input }), field)).toBe('UNAUTHENTICATED');
    }
  });
});

describe('grantCredits and refundUsage', () => {
  it('grants and refunds along the lineage', async () => {
    const target = await api.account('USER');
    const g = await grant(target.id, 300, 'g1');
    expect(g).toMatchObject({ grant: { source: 'BONUS', grantedSeconds: 300 }, balance: { balanceSeconds: 300 } });
    const used = await api.gql(M.recordUsage, { input: { userId: target.id, seconds: 100, idempotencyKey: 'u1' } }, service.auth);
    const txId = used.body.data!.recordUsage.transaction.id;
    const refund = await api.gql(M.refundUsage, { input: { transactionId: txId, seconds: 40, reason: 'dropped', idempotencyKey: 'r1' } }, admin.auth);
    expect(refund.body.data!.refundUsage).toMatchObject({
      transaction: { type: 'REFUND', amountSeconds: 40 },
      balance: { balanceSeconds: 240 },
      userErrors: [],
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ transactionId: txId, seconds: 0, idempotencyKey: 'r2' }, 'INVALID_SECONDS'],
      [{ transactionId: randomUUID(), seconds: 1, idempotencyKey: 'r2' }, 'TRANSACTION_NOT_FOUND'],
      [{ transactionId: g.transaction.id, seconds: 1, idempotencyKey: 'r2' }, 'NOT_REFUNDABLE'],
      [{ transactionId: txId, seconds: 61, idempotencyKey: 'r2' }, 'REFUND_EXCEEDS_USAGE'],
      [{ transactionId: txId, seconds: 41, idempotencyKey: 'r1', reason: 'dropped' }, 'IDEMPOTENCY_KEY_REUSED'],
      [{ transactionId: txId, seconds: 1, idempotencyKey: 'k'.repeat(129) }, 'INVALID_IDEMPOTENCY_KEY'],
    ];
    for (const [input, code] of cases) expect([input, outcome(await api.gql(M.refundUsage, { input }, admin.auth), 'refundUsage')]).toEqual([input, code]);
    expect(outcome(await api.gql(M.refundUsage, { input: { transactionId: txId, seconds: 1, idempotencyKey: 'r3' } }, service.auth), 'refundUsage')).toBe(
      'FORBIDDEN',
    );
    expect(outcome(await api.gql(M.refundUsage, { input: { transactionId: txId, seconds: 1, idempotencyKey: 'r3' } }), 'refundUsage')).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['INVALID_SECONDS', { seconds: 0 }],
    ['INVALID_EXPIRY', { expiresAt: '2020-01-01T00:00:00Z' }],
    ['INVALID_IDEMPOTENCY_KEY', { idempotencyKey: '' }],
    ['USER_NOT_FOUND', { userId: randomUUID() }],
    ['IDEMPOTENCY_KEY_REUSED', { idempotencyKey: 'seed-rich', seconds: 1 }],
  ])('grantCredits answers %s', async (code, patch) => {
    const input = { userId: rich.id, seconds: 10, source: 'PURCHASE', idempotencyKey: randomUUID(), ...patch };
    expect(outcome(await api.gql(M.grantCredits, { input }, admin.auth), 'grantCredits')).toBe(code);
  });

  it('grantCredits is for ADMIN only', async () => {
    const input = { userId: user.id, seconds: 10, source: 'BONUS', idempotencyKey: randomUUID() };
    expect(outcome(await api.gql(M.grantCredits, { input }, service.auth), 'grantCredits')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(M.grantCredits, { input }, user.auth), 'grantCredits')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(M.grantCredits, { input }), 'grantCredits')).toBe('UNAUTHENTICATED');
  });
});

describe('API keys', () => {
  it('creates a USER key for a plan with api_access, authenticates with it, lists and revokes it', async () => {
    const ent = await api.account('USER');
    const none = await api.gql(M.createApiKey, { input: { name: 'ci' } }, ent.auth);
    expect(outcome(none, 'createApiKey')).toBe('API_ACCESS_NOT_IN_PLAN');
    await setMembership(
      { em: api.db.em() },
      {
        userId: ent.id,
        planCode: 'ENTERPRISE',
        status: 'ACTIVE',
        currentPeriodStart: new Date(Date.now() - 1000),
        currentPeriodEnd: new Date(Date.now() + 86_400_000),
      },
    );
    expect(outcome(await api.gql(M.createApiKey, { input: { name: ' ' } }, ent.auth), 'createApiKey')).toBe('INVALID_ARGUMENT');
    const created = await api.gql(M.createApiKey, { input: { name: 'ci' } }, ent.auth);
    const { apiKey, secret } = created.body.data!.createApiKey;
    expect(secret).toMatch(new RegExp(`^${apiKey.prefix}_`));
    const me = await api.gql('{ me { id } apiKeys { id prefix } }', {}, { apiKey: secret });
    expect(me.body.data).toEqual({ me: { id: ent.id }, apiKeys: [{ id: apiKey.id, prefix: apiKey.prefix }] });
    const stored = await api.db
      .em()
      .getConnection()
      .execute<{ n: string }[]>(
        `select count(*) as n from api_keys where secret_hash = encode(sha256(convert_to(?, 'UTF8')), 'hex') and position(? in prefix) = 0`,
        [secret, secret],
      );
    expect(Number(stored[0]!.n)).toBe(1);
    expect(outcome(await api.gql(M.createApiKey, { input: { name: 'from key' } }, { apiKey: secret }), 'createApiKey')).toBe('FORBIDDEN');
    // a key lives only as long as the plan gives API access
    const setPlan = (planCode: 'STARTER' | 'ENTERPRISE') =>
      setMembership(
        { em: api.db.em() },
        {
          userId: ent.id,
          planCode,
          status: 'ACTIVE',
          currentPeriodStart: new Date(Date.now() - 1000),
          currentPeriodEnd: new Date(Date.now() + 86_400_000),
        },
      );
    await setPlan('STARTER');
    expect(outcome(await api.gql('{ me { id } }', {}, { apiKey: secret }), 'me')).toBe('UNAUTHENTICATED');
    await setPlan('ENTERPRISE');
    expect(outcome(await api.gql('{ me { id } }', {}, { apiKey: secret }), 'me')).toBe('OK');
    expect(outcome(await api.gql(M.revokeApiKey, { input: { id: apiKey.id } }, user.auth), 'revokeApiKey')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(M.revokeApiKey, { input: { id: randomUUID() } }, ent.auth), 'revokeApiKey')).toBe('API_KEY_NOT_FOUND');
    const revoked = await api.gql(M.revokeApiKey, { input: { id: apiKey.id } }, ent.auth);
    expect(revoked.body.data!.revokeApiKey.apiKey.revokedAt).toBeTruthy();
    const after = await api.gql('{ me { id } }', {}, { apiKey: secret });
    expect(after.status).toBe(401);
    expect(outcome(after, 'me')).toBe('UNAUTHENTICATED');
  });

  it('lets only an ADMIN create SERVICE keys, for SERVICE users; the key acts as SERVICE', async () => {
    expect(outcome(await api.gql(M.createApiKey, { input: { name: 'x', role: 'SERVICE' } }, user.auth), 'createApiKey')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(M.createApiKey, { input: { name: 'x', role: 'SERVICE', userId: user.id } }, admin.auth), 'createApiKey')).toBe(
      'INVALID_ARGUMENT',
    );
    const res = await api.gql(M.createApiKey, { input: { name: 'voice engine', role: 'SERVICE', userId: service.id } }, admin.auth);
    const secret = res.body.data!.createApiKey.secret as string;
    const used = await api.gql(M.recordUsage, { input: { userId: rich.id, seconds: 1, idempotencyKey: randomUUID() } }, { apiKey: secret });
    expect(outcome(used, 'recordUsage')).toBe('OK');
    expect(outcome(await api.gql(M.createApiKey, { input: { name: 'x' } }), 'createApiKey')).toBe('UNAUTHENTICATED');
    expect(outcome(await api.gql(M.revokeApiKey, { input: { id: randomUUID() } }), 'revokeApiKey')).toBe('UNAUTHENTICATED');
  });
});
