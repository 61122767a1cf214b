// Queries over HTTP, tenant isolation (user A never reads or changes B's data, with a JWT or an
// API key), the committed schema, and rate limiting.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { printApiSchema } from '../../src/graphql/schema';
import { outcome, startTestApi, type Account, type Auth, type TestApi } from '../support/api';

let api: TestApi;
let admin: Account;
let service: Account;
let a: Account & { key: string; hold: string; tx: string; keyId: string };
let b: Account & { key: string; hold: string; tx: string; keyId: string };

async function tenant(): Promise<Account & { key: string; hold: string; tx: string; keyId: string }> {
  const acc = await api.account('USER');
  await setMembership(
    { em: api.db.em() },
    {
      userId: acc.id,
      planCode: 'ENTERPRISE',
      status: 'ACTIVE',
      currentPeriodStart: new Date(Date.now() - 1000),
      currentPeriodEnd: new Date(Date.now() + 86_400_000),
    },
  );
  await api.gql(
    'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
    { i: { userId: acc.id, seconds: 600, source: 'BONUS', idempotencyKey: 'seed' } },
    admin.auth,
  );
  const used = await api.gql(
    'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { transaction { id } } }',
    { i: { userId: acc.id, seconds: 30, idempotencyKey: 'u1' } },
    service.auth,
  );
  const hold = await api.gql(
    'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { reservation { id } } }',
    { i: { userId: acc.id, seconds: 60, idempotencyKey: 'h1' } },
    service.auth,
  );
  const key = await api.gql('mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id } } }', { i: { name: 'k' } }, acc.auth);
  return {
    ...acc,
    tx: used.body.data!.recordUsage.transaction.id,
    hold: hold.body.data!.reserveCredits.reservation.id,
    key: key.body.data!.createApiKey.secret,
    keyId: key.body.data!.createApiKey.apiKey.id,
  };
}

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.account('ADMIN');
  service = await api.account('SERVICE');
  a = await tenant();
  b = await tenant();
});
afterAll(async () => {
  await api.stop();
});

describe('queries', () => {
  it('answers me, balance, transactions, reservation and plans for the owner', async () => {
    const res = await api.gql(
      `query($hold: ID!) {
      me { id role membership { status overageLimitCents plan { code includedSeconds } } balance { balanceSeconds } }
      balance { balanceSeconds reservedSeconds availableSeconds periodIncludedSeconds periodUsedSeconds version }
      transactions(first: 1) { totalCount edges { cursor node { type amountSeconds sequence } } pageInfo { hasNextPage endCursor } }
      reservation(id: $hold) { status reservedSeconds }
      plans { code }
    }`,
      { hold: a.hold },
      a.auth,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      me: {
        id: a.id,
        role: 'USER',
        membership: { status: 'ACTIVE', overageLimitCents: 39_900, plan: { code: 'ENTERPRISE', includedSeconds: 150_000 } },
        balance: { balanceSeconds: 570 },
      },
      balance: { balanceSeconds: 570, reservedSeconds: 60, availableSeconds: 510, periodIncludedSeconds: 150_000, periodUsedSeconds: 30 },
      transactions: { totalCount: 2, edges: [{ node: { type: 'USAGE', amountSeconds: -30, sequence: 2 } }], pageInfo: { hasNextPage: true } },
      reservation: { status: 'ACTIVE', reservedSeconds: 60 },
      plans: [{ code: 'STARTER' }, { code: 'BUSINESS' }, { code: 'ENTERPRISE' }],
    });
    const next = await api.gql(
      'query($after: String) { transactions(first: 5, after: $after) { edges { node { type sequence } } pageInfo { hasNextPage } } }',
      { after: res.body.data!.transactions.pageInfo.endCursor },
      a.auth,
    );
    expect(next.body.data!.transactions).toEqual({ edges: [{ node: { type: 'BONUS', sequence: 1 } }], pageInfo: { hasNextPage: false } });
    const usageOnly = await api.gql('{ transactions(types: [BONUS]) { totalCount } }', {}, a.auth);
    expect(usageOnly.body.data!.transactions.totalCount).toBe(1);
    const future = await api.gql(
      'query($from: DateTime) { transactions(from: $from) { totalCount } }',
      { from: new Date(Date.now() + 3_600_000).toISOString() },
      a.auth,
    );
    expect(future.body.data!.transactions.totalCount).toBe(0);
  });

  it('lets SERVICE and ADMIN read any user; requires them to name one', async () => {
    const res = await api.gql('query($id: ID!) { user(id: $id) { id email } balance(userId: $id) { balanceSeconds } }', { id: b.id }, service.auth);
    expect(res.body.data).toMatchObject({ user: { id: b.id }, balance: { balanceSeconds: 570 } });
    expect(outcome(await api.gql('{ balance { balanceSeconds } }', {}, admin.auth), 'balance')).toBe('BAD_USER_INPUT');
    expect(outcome(await api.gql('query($id: ID!) { transactions(userId: $id) { totalCount } }', { id: b.id }, service.auth), 'transactions')).toBe(
      'FORBIDDEN',
    );
    expect((await api.gql('query($id: ID!) { transactions(userId: $id) { totalCount } }', { id: b.id }, admin.auth)).body.data).toEqual({
      transactions: { totalCount: 2 },
    });
  });

  it('refuses a bad cursor and anonymous reads, but shows plans to anyone', async () => {
    expect(outcome(await api.gql('{ transactions(after: "bm9wZQ") { totalCount } }', {}, a.auth), 'transactions')).toBe('BAD_USER_INPUT');
    expect(outcome(await api.gql('{ me { id } }'), 'me')).toBe('UNAUTHENTICATED');
    expect((await api.gql('{ plans { code } }')).body.data!.plans).toHaveLength(3);
  });
});

describe('tenant isolation', () => {
  const asA = (): [string, Auth][] => [
    ['JWT', a.auth],
    ['API key', { apiKey: a.key }],
  ];

  it.each(['JWT', 'API key'])('refuses every read of B by A (%s) with FORBIDDEN', async (via) => {
    const auth = asA().find(([v]) => v === via)![1];
    const reads: [string, string, Record<string, unknown>][] = [
      ['balance', 'query($id: ID) { balance(userId: $id) { balanceSeconds } }', { id: b.id }],
      ['transactions', 'query($id: ID) { transactions(userId: $id) { totalCount } }', { id: b.id }],
      ['reservation', 'query($id: ID!) { reservation(id: $id) { id } }', { id: b.hold }],
      ['apiKeys', 'query($id: ID) { apiKeys(userId: $id) { id } }', { id: b.id }],
      ['user', 'query($id: ID!) { user(id: $id) { id } }', { id: b.id }],
    ];
    for (const [field, query, vars] of reads) {
      const res = await api.gql(query, vars, auth);
      expect([field, outcome(res, field)]).toEqual([field, 'FORBIDDEN']);
      expect(res.status).toBe(403);
      expect(JSON.stringify(res.body.data ?? null)).not.toContain(b.id);
    }
  });

  it.each(['JWT', 'API key'])('refuses every change of B by A (%s) and leaves B unchanged', async (via) => {
    const auth = asA().find(([v]) => v === via)![1];
    const before = await api.gql('query($id: ID) { balance(userId: $id) { balanceSeconds reservedSeconds version } }', { id: b.id }, admin.auth);
    const writes: [string, string, Record<string, unknown>][] = [
      [
        'recordUsage',
        'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }',
        { i: { userId: b.id, seconds: 1, idempotencyKey: randomUUID() } },
      ],
      [
        'reserveCredits',
        'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { userErrors { code } } }',
        { i: { userId: b.id, seconds: 1, idempotencyKey: randomUUID() } },
      ],
      [
        'extendReservation',
        'mutation($i: ExtendReservationInput!) { extendReservation(input: $i) { userErrors { code } } }',
        { i: { reservationId: b.hold, seconds: 1, idempotencyKey: randomUUID() } },
      ],
      [
        'commitReservation',
        'mutation($i: CommitReservationInput!) { commitReservation(input: $i) { userErrors { code } } }',
        { i: { reservationId: b.hold, usedSeconds: 1 } },
      ],
      [
        'releaseReservation',
        'mutation($i: ReleaseReservationInput!) { releaseReservation(input: $i) { userErrors { code } } }',
        { i: { reservationId: b.hold } },
      ],
      [
        'grantCredits',
        'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
        { i: { userId: b.id, seconds: 1, source: 'BONUS', idempotencyKey: randomUUID() } },
      ],
      [
        'refundUsage',
        'mutation($i: RefundUsageInput!) { refundUsage(input: $i) { userErrors { code } } }',
        { i: { transactionId: b.tx, seconds: 1, idempotencyKey: randomUUID() } },
      ],
      ['createApiKey', 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { userErrors { code } } }', { i: { name: 'x', userId: b.id } }],
      ['revokeApiKey', 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }', { i: { id: b.keyId } }],
    ];
    for (const [field, query, vars] of writes) {
      expect([field, outcome(await api.gql(query, vars, auth), field)]).toEqual([field, 'FORBIDDEN']);
    }
    const after = await api.gql('query($id: ID) { balance(userId: $id) { balanceSeconds reservedSeconds version } }', { id: b.id }, admin.auth);
    expect(after.body.data).toEqual(before.body.data);
    const key = await api.gql('{ me { id } }', {}, { apiKey: b.key });
    expect(key.body.data).toEqual({ me: { id: b.id } });
  });
});

describe('the committed schema', () => {
  it('is what the code generates (run `npm run schema` after changing the API)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8');
    expect(await printApiSchema()).toBe(committed);
  });
});

describe('rate limiting', () => {
  it('answers RATE_LIMITED with 429 past the per-principal limit, per principal', async () => {
    const limited = await startTestApi({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      const who = await limited.account('USER');
      const other = await limited.account('USER');
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await limited.gql('{ me { id } }', {}, who.auth)).status);
      expect(codes).toEqual([200, 200, 200, 429]);
      const res = await limited.gql('{ me { id } }', {}, who.auth);
      expect(outcome(res, 'me')).toBe('RATE_LIMITED');
      expect((await limited.gql('{ me { id } }', {}, other.auth)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});
