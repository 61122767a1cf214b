// Live updates across processes: two API processes and one worker on one Postgres and Redis, a
// real graphql-ws client. A change through API A and one made by the worker both reach a
// subscriber on API B, in version order, with the values the database holds.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { createUser } from '../../src/domain/users/create-user';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { grantPeriod } from '../../src/domain/ledger/grant-period';
import { databaseClock } from '../../src/shared/clock';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';
import { until } from '../support/wait';

let db: TestDb;
let apiA: ServiceProcess;
let apiB: ServiceProcess;
let worker: ServiceProcess;
let redis: Redis;
let adminToken: string;
let serviceToken: string;

beforeAll(async () => {
  db = await createTestDb(4);
  const env = { DATABASE_URL: db.url, DATABASE_POOL_MAX: '6', SWEEP_INTERVAL_MS: '200' };
  [apiA, apiB, worker] = await Promise.all([startProcess('api', env), startProcess('api', env), startProcess('worker', env)]);
  redis = new Redis('redis://127.0.0.1:6379');
  adminToken = await signToken(DEV_JWT_SECRET, randomUUID(), 'ADMIN', 600);
  serviceToken = await signToken(DEV_JWT_SECRET, randomUUID(), 'SERVICE', 600);
}, 60_000);
afterAll(async () => {
  await Promise.all([apiA?.stop(), apiB?.stop(), worker?.stop()]);
  redis?.disconnect();
  await db?.close();
});

async function newUser(): Promise<{ id: string; token: string }> {
  const r = await createUser({ em: db.em() }, { email: `live-${randomUUID()}@example.com` });
  if (!r.ok) throw new Error(r.error.code);
  return { id: r.value.id, token: await signToken(DEV_JWT_SECRET, r.value.id, 'USER', 600) };
}

async function http(port: number, token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, { userErrors?: { code: string }[] }>; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  for (const v of Object.values(body.data ?? {})) if (v?.userErrors?.length) throw new Error(JSON.stringify(v.userErrors));
  return body.data!;
}

const RECORD = 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }';
const GRANT = 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }';
const RESERVE = 'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { userErrors { code } } }';

interface Watch {
  client: Client;
  messages: Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  errors: unknown[];
  closed: Promise<number>;
  dispose(): Promise<void>;
}

function watch(port: number, params: Record<string, unknown> | undefined, query: string, variables: Record<string, unknown> = {}): Watch {
  let closedResolve: (code: number) => void = () => undefined;
  const closed = new Promise<number>((r) => (closedResolve = r));
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: params,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (e) => closedResolve((e as { code: number }).code) },
    onNonLazyError: () => undefined,
  });
  const w: Watch = {
    client,
    messages: [],
    errors: [],
    closed,
    dispose: async () => {
      await client.dispose();
    },
  };
  client.subscribe(
    { query, variables },
    {
      next: (m) => (m.errors ? w.errors.push(...m.errors) : w.messages.push(m.data!)),
      error: (e) => w.errors.push(e),
      complete: () => undefined,
    },
  );
  return w;
}

const listeners = async (channel: string) => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);

const BALANCE = 'subscription($userId: ID) { balanceChanged(userId: $userId) { userId balanceSeconds reservedSeconds availableSeconds version } }';

describe('live balance across processes', () => {
  it('delivers a change made through API A and one made by the worker to a subscriber on API B, in version order', async () => {
    const u = await newUser();
    await http(apiA.port, adminToken, GRANT, { i: { userId: u.id, seconds: 600, source: 'BONUS', idempotencyKey: 'seed' } });
    const w = watch(apiB.port, { authorization: `Bearer ${u.token}` }, BALANCE);
    await until('the subscription to reach Redis', async () => (await listeners(`BALANCE_CHANGED:${u.id}`)) >= 1);

    await http(apiA.port, serviceToken, RECORD, { i: { userId: u.id, seconds: 30, idempotencyKey: 'u1' } });
    await http(apiA.port, serviceToken, RESERVE, { i: { userId: u.id, seconds: 60, idempotencyKey: 'h1', ttlSeconds: 1 } });
    // the hold expires after a second; the worker process settles it and publishes
    await until('the worker to release the hold', () =>
      w.messages.find((m) => m.balanceChanged.reservedSeconds === 0 && m.balanceChanged.balanceSeconds === 570 && m.balanceChanged.version > 3),
    );

    const seen = w.messages.map((m) => m.balanceChanged);
    expect(seen.map((b) => [b.balanceSeconds, b.reservedSeconds])).toEqual([
      [570, 0],
      [570, 60],
      [570, 0],
    ]);
    for (let i = 1; i < seen.length; i++) expect(seen[i].version).toBeGreaterThan(seen[i - 1].version);
    const [row] = await db
      .em()
      .getConnection()
      .execute<{ balance_seconds: string; reserved_seconds: string; version: string }[]>(
        'select balance_seconds, reserved_seconds, version from credit_balances where user_id = ?',
        [u.id],
      );
    expect(seen.at(-1)).toEqual({
      userId: u.id,
      balanceSeconds: Number(row!.balance_seconds),
      reservedSeconds: Number(row!.reserved_seconds),
      availableSeconds: Number(row!.balance_seconds) - Number(row!.reserved_seconds),
      version: Number(row!.version),
    });
    expect(w.errors).toEqual([]);
    await w.dispose();
  });

  it('leaves no Redis subscription behind when the client disconnects', async () => {
    const u = await newUser();
    const w = watch(apiB.port, { authorization: `Bearer ${u.token}` }, BALANCE);
    await until('subscribed', async () => (await listeners(`BALANCE_CHANGED:${u.id}`)) === 1);
    await w.dispose();
    await until('unsubscribed', async () => (await listeners(`BALANCE_CHANGED:${u.id}`)) === 0);
  });
});

describe('refusals', () => {
  it('closes with 4403 without a token or with a bad one, and subscribes nothing', async () => {
    const u = await newUser();
    const none = watch(apiB.port, undefined, BALANCE, { userId: u.id });
    const bad = watch(apiB.port, { authorization: 'Bearer nope.nope.nope' }, BALANCE, { userId: u.id });
    expect(await none.closed).toBe(4403);
    expect(await bad.closed).toBe(4403);
    expect(await listeners(`BALANCE_CHANGED:${u.id}`)).toBe(0);
  });

  it('closes a stream with 4403 when its token expires', async () => {
    const u = await newUser();
    const shortLived = await signToken(DEV_JWT_SECRET, u.id, 'USER', 2);
    const w = watch(apiB.port, { authorization: `Bearer ${shortLived}` }, BALANCE);
    await until('subscribed', async () => (await listeners(`BALANCE_CHANGED:${u.id}`)) === 1);
    expect(await w.closed).toBe(4403);
    await until('unsubscribed', async () => (await listeners(`BALANCE_CHANGED:${u.id}`)) === 0);
  });

  it('answers another user id with FORBIDDEN, too many or too deep subscriptions and mutations with errors', async () => {
    const a = await newUser();
    const b = await newUser();
    const other = watch(apiB.port, { authorization: `Bearer ${a.token}` }, BALANCE, { userId: b.id });
    await until('the FORBIDDEN error', () => other.errors.length > 0 || undefined);
    expect(JSON.stringify(other.errors)).toContain('FORBIDDEN');
    expect(await listeners(`BALANCE_CHANGED:${b.id}`)).toBe(0);

    const deep = watch(apiB.port, { authorization: `Bearer ${a.token}` }, `subscription { balanceChanged { ${'x { '.repeat(20)}y${' }'.repeat(20)} } }`);
    await until('the validation error', () => deep.errors.length > 0 || undefined);
    expect(JSON.stringify(deep.errors)).toMatch(/depth \d+ exceeds/);

    const mutation = watch(apiB.port, { authorization: `Bearer ${a.token}` }, 'mutation { revokeApiKey(input: {id: "x"}) { userErrors { code } } }');
    await until('the refusal', () => mutation.errors.length > 0 || undefined);
    expect(JSON.stringify(mutation.errors)).toContain('subscriptions');

    // one connection, eleven subscriptions: the eleventh is refused
    const client = createClient({
      url: `ws://127.0.0.1:${apiB.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${a.token}` },
      retryAttempts: 0,
    });
    const errors: unknown[] = [];
    for (let i = 0; i < 11; i++)
      client.subscribe({ query: BALANCE }, { next: (m) => m.errors && errors.push(...m.errors), error: (e) => errors.push(e), complete: () => undefined });
    await until('the eleventh refused', () => errors.length > 0 || undefined);
    expect(JSON.stringify(errors)).toContain('At most 10 subscriptions');
    await Promise.all([other.dispose(), deep.dispose(), mutation.dispose(), client.dispose()]);
  });
});

describe('usage alerts', () => {
  it('raises each alert exactly once, with two API processes recording at the same time', async () => {
    const u = await newUser();
    const now = Date.now();
    const start = new Date(now - 60_000);
    const end = new Date(now + 86_400_000);
    await setMembership({ em: db.em() }, { userId: u.id, planCode: 'STARTER', status: 'ACTIVE', currentPeriodStart: start, currentPeriodEnd: end });
    await grantPeriod(
      { em: db.em(), clock: databaseClock },
      { userId: u.id, subscriptionId: `sub_${u.id}`, planCode: 'STARTER', periodStart: start, periodEnd: end },
    );
    const query = 'subscription { usageAlert { kind usedSeconds includedSeconds overageSeconds } }';
    const onA = watch(apiA.port, { authorization: `Bearer ${u.token}` }, query);
    const onB = watch(apiB.port, { authorization: `Bearer ${u.token}` }, query);
    await until('both subscribed', async () => (await listeners(`USAGE_ALERT:${u.id}`)) >= 2);
    // 12,000 included seconds; the default limit (4,900 c at 30 c/min) allows 9,800 s of overage
    const steps = [...Array<number>(14).fill(1500), 400, 400]; // 21,000 + 800 = 12,000 included + 9,800 overage
    for (let i = 0; i < steps.length; i += 2) {
      // two usages at once, one through each API process
      await Promise.all([
        http(apiA.port, serviceToken, RECORD, { i: { userId: u.id, seconds: steps[i], idempotencyKey: `a${i}` } }),
        http(apiB.port, serviceToken, RECORD, { i: { userId: u.id, seconds: steps[i + 1], idempotencyKey: `b${i}` } }),
      ]);
    }
    const expected = ['INCLUDED_50', 'INCLUDED_80', 'INCLUDED_100', 'LOW_BALANCE', 'OVERAGE_STARTED', 'OVERAGE_LIMIT_80', 'OVERAGE_LIMIT_100'];
    for (const w of [onA, onB]) {
      await until('all alerts', () => w.messages.length >= expected.length || undefined);
      await new Promise((r) => setTimeout(r, 300)); // and no duplicate after them
      expect(w.messages.map((m) => m.usageAlert.kind).sort()).toEqual([...expected].sort());
    }
    const [{ n }] = await db.em().getConnection().execute<{ n: string }[]>('select count(*) as n from usage_alerts where user_id = ?', [u.id]);
    expect(Number(n)).toBe(expected.length);
    await Promise.all([onA.dispose(), onB.dispose()]);
  });
});
