// Hostile input of every kind gets a clear error with the documented status code, writes nothing
// (rows of every table counted before and after), and leaves the server healthy.
import { randomUUID } from 'node:crypto';
import { outcome, startTestApi, type Account, type TestApi } from '../support/api';

let api: TestApi;
let service: Account;
let target: Account;

beforeAll(async () => {
  api = await startTestApi();
  service = await api.account('SERVICE');
  target = await api.account('USER');
  const admin = await api.account('ADMIN');
  await api.gql(
    'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
    { i: { userId: target.id, seconds: 600, source: 'BONUS', idempotencyKey: 'seed' } },
    admin.auth,
  );
});
afterAll(async () => {
  await api.stop();
});

async function rowCounts(): Promise<Record<string, number>> {
  const tables = await api.db
    .em()
    .getConnection()
    .execute<{ relname: string }[]>(
      `select relname from pg_stat_user_tables where schemaname = 'public' and relname <> 'mikro_orm_migrations' order by relname`,
    );
  const sql = tables.map((t) => `select '${t.relname}' as t, count(*)::int as n from ${t.relname}`).join(' union all ');
  const rows = await api.db.em().getConnection().execute<{ t: string; n: number }[]>(sql);
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

const RECORD = 'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { userErrors { code field } } }';
const body = (input: Record<string, unknown>) =>
  JSON.stringify({ query: RECORD, variables: { input: { userId: target.id, seconds: 60, idempotencyKey: randomUUID(), ...input } } });
const authed = () => ({ 'content-type': 'application/json', authorization: `Bearer ${service.token}` });

type Case = [name: string, run: () => Promise<{ status: number; text: string }>, status: number, code: string];

const cases: Case[] = [
  ['malformed JSON', () => api.post('{"query": "{ me { id } "', authed()), 400, 'BAD_REQUEST'],
  ['no content type', () => api.post(body({}), { authorization: `Bearer ${service.token}` }), 415, 'BAD_REQUEST'],
  ['a text/plain body (CSRF)', () => api.post(body({}), { 'content-type': 'text/plain', authorization: `Bearer ${service.token}` }), 415, 'BAD_REQUEST'],
  ['seconds as a string', () => api.post(body({ seconds: '60' }), authed()), 400, 'BAD_USER_INPUT'],
  ['seconds = 2^31', () => api.post(body({ seconds: 2 ** 31 }), authed()), 400, 'BAD_USER_INPUT'],
  ['seconds = 2^53', () => api.post(body({ seconds: 2 ** 53 }), authed()), 400, 'BAD_USER_INPUT'],
  ['seconds = 1.5', () => api.post(body({ seconds: 1.5 }), authed()), 400, 'BAD_USER_INPUT'],
  ['seconds = -1', () => api.post(body({ seconds: -1 }), authed()), 200, 'INVALID_SECONDS'],
  ['a 10,000-character key', () => api.post(body({ idempotencyKey: 'k'.repeat(10_000) }), authed()), 200, 'INVALID_IDEMPOTENCY_KEY'],
  ['a 10,000-character description', () => api.post(body({ description: 'd'.repeat(10_000) }), authed()), 200, 'INVALID_ARGUMENT'],
  ['odd Unicode in the key', () => api.post(body({ idempotencyKey: 'k\u202e\ud83d\ude00' }), authed()), 200, 'INVALID_IDEMPOTENCY_KEY'],
  ['a NUL byte in the key', () => api.post(body({ idempotencyKey: 'k\u0000' }), authed()), 400, 'BAD_USER_INPUT'],
  [
    'a NUL byte in a string literal of the query',
    () =>
      api.post(
        JSON.stringify({
          query: `mutation { recordUsage(input: {userId: "${target.id}", seconds: 60, idempotencyKey: "nul-\\u0000"}) { userErrors { code } } }`,
        }),
        authed(),
      ),
    400,
    'BAD_USER_INPUT',
  ],
  ['a lone surrogate in the call id', () => api.post(body({ callId: 'call-\ud800' }), authed()), 200, 'INVALID_ARGUMENT'],
  ['a control character in the description', () => api.post(body({ description: 'bell\u0007' }), authed()), 200, 'INVALID_ARGUMENT'],
  ['German text in the description', () => api.post(body({ description: 'Gespräch mit Müller – 3 Min.' }), authed()), 200, 'OK'],
  ['a userId that is no UUID', () => api.post(body({ userId: "'; drop table users; --" }), authed()), 200, 'USER_NOT_FOUND'],
  ['a body over 1 MB', () => api.post(JSON.stringify({ query: '{ me { id } }', pad: 'x'.repeat(1_100_000) }), authed()), 413, 'BAD_REQUEST'],
  ['depth 50', () => api.post(JSON.stringify({ query: nest(50) }), authed()), 400, 'GRAPHQL_VALIDATION_FAILED'],
  [
    '1,000 aliases of balance',
    () =>
      api.post(
        JSON.stringify({ query: `{ ${Array.from({ length: 1000 }, (_, i) => `b${i}: balance(userId: "${target.id}") { balanceSeconds }`).join(' ')} }` }),
        authed(),
      ),
    400,
    'GRAPHQL_VALIDATION_FAILED',
  ],
  ['a batched array', () => api.post(JSON.stringify([{ query: '{ plans { code } }' }, { query: '{ plans { code } }' }]), authed()), 400, 'BAD_REQUEST'],
  [
    'a mutation over GET',
    () => get(`mutation { recordUsage(input: {userId: "${target.id}", seconds: 60, idempotencyKey: "get-1"}) { userErrors { code } } }`),
    405,
    'BAD_REQUEST',
  ],
  ['an unknown field', () => api.post(JSON.stringify({ query: '{ me { password } }' }), authed()), 400, 'GRAPHQL_VALIDATION_FAILED'],
  ['a syntax error', () => api.post(JSON.stringify({ query: '{ me { id }' }), authed()), 400, 'GRAPHQL_PARSE_FAILED'],
  [
    'a forged token',
    () => api.post(body({}), { 'content-type': 'application/json', authorization: `Bearer ${service.token.slice(0, -4)}AAAA` }),
    401,
    'UNAUTHENTICATED',
  ],
  [
    'a token with alg none',
    () => api.post(body({}), { 'content-type': 'application/json', authorization: `Bearer ${noneToken(service.id)}` }),
    401,
    'UNAUTHENTICATED',
  ],
  ['a malformed API key', () => api.post(body({}), { 'content-type': 'application/json', 'x-api-key': 'x'.repeat(10_000) }), 401, 'UNAUTHENTICATED'],
];

/** A selection `depth` fields deep (the schema has no cycle that deep: it fails validation twice). */
function nest(depth: number): string {
  return `{ me { ${'membership { '.repeat(depth - 2)}id${' }'.repeat(depth - 2)} } }`;
}

async function get(query: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${api.url}?query=${encodeURIComponent(query)}`, {
    headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${service.token}` },
  });
  return { status: res.status, text: await res.text() };
}

function noneToken(sub: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub, role: 'ADMIN', exp: Math.floor(Date.now() / 1000) + 600 })}.`;
}

describe('hostile input', () => {
  it.each(cases)('answers %s with a clear error, writes nothing', async (_name, run, status, code) => {
    const before = await rowCounts();
    const res = await run();
    expect(res.status).toBe(status);
    const parsed = JSON.parse(res.text) as {
      errors?: { message: string; extensions?: { code?: string } }[];
      data?: { recordUsage?: { userErrors: { code: string }[] } };
    };
    const got = parsed.errors?.[0]?.extensions?.code ?? parsed.data?.recordUsage?.userErrors[0]?.code ?? 'OK';
    expect(got).toBe(code);
    if (_name === 'depth 50') expect(parsed.errors!.map((e) => e.message).join(' ')).toMatch(/depth \d+ exceeds the maximum of 8/);
    if (_name === '1,000 aliases of balance') expect(parsed.errors!.map((e) => e.message).join(' ')).toMatch(/aliases exceed|complexity/);
    expect(res.text).not.toMatch(/at .+\.(js|ts):\d+|stacktrace|select |insert |postgres/i);
    if (code !== 'OK') expect(await rowCounts()).toEqual(before);
  });

  it('is still healthy afterwards', async () => {
    const health = await fetch(api.url.replace('/graphql', '/readyz'));
    expect(health.status).toBe(200);
    const res = await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { billedSeconds userErrors { code } } }',
      { i: { userId: target.id, seconds: 60, idempotencyKey: randomUUID() } },
      service.auth,
    );
    expect(outcome(res, 'recordUsage')).toBe('OK');
  });
});
