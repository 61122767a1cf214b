// The edges of the API: client input that must never reach an internal error, answers that must
// not reveal whether another account's row exists, live pushes that show the state they announce,
// webhook signatures bounded both ways, JSON from every error of the HTTP layer.
import { createHash, randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import Redis from 'ioredis';
import Stripe from 'stripe';
import WebSocket from 'ws';
import { DEV_JWT_SECRET, loadConfig } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { createRateLimiter } from '../../src/http/rate-limit';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { grantPeriod } from '../../src/domain/ledger/grant-period';
import { createLogger } from '../../src/observability/logger';
import { databaseClock } from '../../src/shared/clock';
import { outcome, type Account, type TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import { until } from '../support/wait';

const SECRET = 'whsec_api_edges';
let api: TestApi;
let fake: FakeStripe;
let admin: Account;
let service: Account;
let user: Account;
let other: Account;

beforeAll(async () => {
  ({ api, fake } = await startStripeApi(SECRET));
  admin = await api.account('ADMIN');
  service = await api.account('SERVICE');
  user = await api.account('USER');
  other = await api.account('USER');
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await fake?.close();
});

const GRANT = 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }';
const RESERVE = 'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { reservation { id } userErrors { code } } }';
const RECORD = 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }';

describe('client input never reaches an internal error', () => {
  it('refuses a NUL byte in an email as bad input', async () => {
    const res = await api.gql(
      'mutation($i: CreateUserInput!) { createUser(input: $i) { userErrors { code field } } }',
      { i: { email: 'a\u0000@example.com' } },
      admin.auth,
    );
    expect(res.status).toBeLessThan(500);
    expect(JSON.stringify(res.body)).not.toContain('INTERNAL_SERVER_ERROR');
    expect(outcome(res, 'createUser')).not.toBe('OK');
  });

  it('answers a persisted-query hash that does not match its query with a client error', async () => {
    const res = await api.post(
      JSON.stringify({
        query: '{ plans { code } }',
        extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update('something else').digest('hex') } },
      }),
      { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    );
    expect(res.status).toBe(400);
    const code = (JSON.parse(res.text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code;
    expect(code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  it('refuses a subscription sent over HTTP with BAD_REQUEST', async () => {
    const res = await api.post(JSON.stringify({ query: 'subscription { balanceChanged { balanceSeconds updatedAt } }' }), {
      'content-type': 'application/json',
      authorization: `Bearer ${user.token}`,
    });
    expect(res.status).toBe(400);
    expect((JSON.parse(res.text) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('BAD_REQUEST');
  });

  it('returns no rows for transactions(first: 0), with the total count', async () => {
    await api.gql(GRANT, { i: { userId: user.id, seconds: 60, source: 'BONUS', idempotencyKey: randomUUID() } }, admin.auth);
    const res = await api.gql('{ transactions(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } } }', {}, user.auth);
    expect(res.body.errors).toBeUndefined();
    const t = res.body.data!.transactions as { totalCount: number; edges: unknown[]; pageInfo: { hasNextPage: boolean } };
    expect(t.edges).toHaveLength(0);
    expect(t.totalCount).toBeGreaterThan(0);
    expect(t.pageInfo.hasNextPage).toBe(true);
  });
});

describe('API keys', () => {
  it('lets an ADMIN token whose user row does not exist create a key, and audits it', async () => {
    const ghost = randomUUID();
    const token = await signToken(DEV_JWT_SECRET, ghost, 'ADMIN', 600);
    const res = await api.gql(
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret userErrors { code } } }',
      { i: { name: 'voice engine', userId: service.id, role: 'SERVICE' } },
      { token },
    );
    expect(res.status).toBe(200);
    expect(outcome(res, 'createApiKey')).toBe('OK');
    const keyId = (res.body.data!.createApiKey as { apiKey: { id: string } }).apiKey.id;
    const audit = await api.db
      .em()
      .getConnection()
      .execute<{ actor_id: string }[]>(`select actor_id from audit_log where action = 'API_KEY_CREATED' and subject_id = ?`, [keyId]);
    expect(audit).toEqual([{ actor_id: ghost }]);
  });
});

describe('no existence oracle', () => {
  it("answers a USER the same for another user's real reservation and for an unknown id", async () => {
    await api.gql(GRANT, { i: { userId: other.id, seconds: 600, source: 'BONUS', idempotencyKey: randomUUID() } }, admin.auth);
    const hold = await api.gql(RESERVE, { i: { userId: other.id, seconds: 60, idempotencyKey: randomUUID() } }, service.auth);
    const realId = (hold.body.data!.reserveCredits as { reservation: { id: string } }).reservation.id;
    const ask = (id: string) => api.gql('query($id: ID!) { reservation(id: $id) { id } }', { id }, user.auth);
    const [real, unknown] = [await ask(realId), await ask(randomUUID())];
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: real.status, body: real.body });
  });
});

describe('live pushes', () => {
  it('shows in every balanceChanged push the period usage after the change it announces', async () => {
    const now = Date.now();
    const start = new Date(now - 60_000);
    const end = new Date(now + 86_400_000);
    await setMembership({ em: api.db.em() }, { userId: user.id, planCode: 'STARTER', status: 'ACTIVE', currentPeriodStart: start, currentPeriodEnd: end });
    await grantPeriod(
      { em: api.db.em(), clock: databaseClock },
      { userId: user.id, subscriptionId: `sub_${user.id}`, planCode: 'STARTER', periodStart: start, periodEnd: end },
    );
    const client = createClient({
      url: api.url.replace('http:', 'ws:'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${user.token}` },
      retryAttempts: 0,
    });
    const pushes: { balanceSeconds: number; periodUsedSeconds: number }[] = [];
    const stop = client.subscribe<{ balanceChanged: { balanceSeconds: number; periodUsedSeconds: number } }>(
      { query: 'subscription { balanceChanged { balanceSeconds periodUsedSeconds version } }' },
      {
        next: (m) => {
          if (m.data) pushes.push(m.data.balanceChanged);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    try {
      await until('subscribed', async () => {
        await api.gql(RECORD, { i: { userId: user.id, seconds: 1, idempotencyKey: randomUUID() } }, service.auth);
        return pushes.length > 0;
      });
      for (let i = 0; i < 3; i++) {
        const n = pushes.length;
        await api.gql(RECORD, { i: { userId: user.id, seconds: 60, idempotencyKey: randomUUID() } }, service.auth);
        await until('a push', () => pushes.length > n);
      }
      const read = await api.gql('{ balance { balanceSeconds periodUsedSeconds } }', {}, user.auth);
      const last = pushes[pushes.length - 1]!;
      expect({ balanceSeconds: last.balanceSeconds, periodUsedSeconds: last.periodUsedSeconds }).toEqual(read.body.data!.balance);
    } finally {
      stop();
      await client.dispose();
    }
  });
});

describe('Stripe webhooks', () => {
  const sdk = new Stripe('sk_test_fake');
  const hook = () => api.url.replace('/graphql', '/webhooks/stripe');
  const eventBody = () =>
    JSON.stringify({
      id: `evt_${randomUUID()}`,
      object: 'event',
      type: 'customer.created',
      data: { object: { id: 'cus_x', object: 'customer' } },
      created: 1,
      livemode: false,
      api_version: '2024-06-20',
    });

  it('refuses a signature made an hour in the future', async () => {
    const payload = eventBody();
    const header = sdk.webhooks.generateTestHeaderString({ payload, secret: SECRET, timestamp: Math.floor(Date.now() / 1000) + 3600 });
    const res = await fetch(hook(), { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body: payload });
    expect(res.status).toBe(400);
  });

  it('answers a body over the limit with JSON', async () => {
    const res = await fetch(hook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
      body: 'x'.repeat(1_100_000),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const text = await res.text();
    expect(() => JSON.parse(text)).not.toThrow();
  });
});

describe('rate limits', () => {
  it('keeps the limits of installations with different QUEUE_PREFIX apart on one Redis', async () => {
    const redis = new Redis(loadConfig({ NODE_ENV: 'test' }).redisUrl);
    try {
      const principal = `jwt:${randomUUID()}`;
      const a = createRateLimiter(redis, 2, createLogger('silent'), `edges-a-${randomUUID()}`);
      const b = createRateLimiter(redis, 2, createLogger('silent'), `edges-b-${randomUUID()}`);
      for (let i = 0; i < 2; i++) await a(principal);
      await expect(a(principal)).rejects.toThrow(/Too many requests/);
      await expect(b(principal)).resolves.toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });
});
