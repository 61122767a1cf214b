// Every operation in schema.graphql, generated from the schema (so operations added later are
// covered without editing this file), called with seeded random arguments — valid values, wrong
// types, boundary and huge numbers, empty/long/NUL/Unicode strings, unknown enum values, missing
// required arguments, ids of real and unknown rows — as USER, SERVICE, ADMIN and without a token.
// Holds: no HTTP 500; every GraphQL error carries extensions.code; no INTERNAL_SERVER_ERROR; a
// rejected mutation writes no row (rows of every table counted before and after).
// The seed is printed; FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n> changes its length.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
} from 'graphql';
import { DEV_JWT_SECRET, loadConfig } from '../../src/config/env';
import { startService, type RunningService } from '../../src/app/service';
import { signToken } from '../../src/auth/token-cli';
import type { Role } from '../../src/db/entities/types';
import { createUser } from '../../src/domain/users/create-user';
import { createLogger } from '../../src/observability/logger';
import { createTestDb, type TestDb } from '../support/test-db';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : 2000;
const schema = buildSchema(readFileSync(resolve(__dirname, '..', '..', 'schema.graphql'), 'utf8'));

type Kind = 'query' | 'mutation' | 'subscription';
interface Operation {
  kind: Kind;
  field: GraphQLField<unknown, unknown>;
}

const operations: Operation[] = (
  [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const
).flatMap(([kind, type]) => (type ? Object.values(type.getFields()).map((field) => ({ kind, field })) : []));

// ---- selections: every leaf field without required arguments, two levels deep ----

function selection(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (!isObjectType(named)) return '{ __typename }';
  const parts = ['__typename'];
  for (const f of Object.values((named as GraphQLObjectType).getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const inner = getNamedType(f.type);
    if (isLeafType(inner)) parts.push(f.name);
    else if (depth > 0 && isObjectType(inner)) parts.push(`${f.name} ${selection(f.type, depth - 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

// ---- argument values from their types ----

let realIds: string[] = ['00000000-0000-0000-0000-000000000000'];

const strings = fc.oneof(
  fc.constantFrom(
    '',
    'x',
    'STARTER',
    'BUSINESS',
    'fuzz@example.com',
    'a\u0000@example.com',
    '\u0000',
    'bell\u0007',
    'k\u202e\ud83d\ude00',
    'call-\ud800',
    'Gespräch – 3 Min.',
    "'; drop table users; --",
    'x'.repeat(10_000),
    ' '.repeat(3),
    '2026-01-01T00:00:00Z',
    'https://example.com/back',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.uuid().map((u) => `fuzz-${u}`),
);
/** Ids of real rows (read when the cases are drawn, after the rows exist), unknown and malformed ones. */
const ids = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((i) => realIds[i % realIds.length]!) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.constantFrom('', 'not-a-uuid', '\u0000', '12', 'x'.repeat(1000)) },
);
const ints = fc.oneof(
  fc.integer({ min: 0, max: 120 }),
  fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, -(2 ** 53), 1.5, 1e300),
  fc.integer(),
);
const dates = fc.oneof(
  fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('yesterday', '', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z'),
);
const wrongType = fc.constantFrom<unknown>('12', 12, true, [], {}, 1.5, 'NOPE');

const int32 = fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constantFrom(0, 1, -1, 2 ** 31 - 1, -(2 ** 31)), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const isoDates = dates.filter((d) => !Number.isNaN(Date.parse(d)));

/**
 * A value for an input type. `strict`: of the right type everywhere (the operation runs; strings
 * and numbers may still be hostile); otherwise wrong types, nulls, unknown enum values, missing
 * and unknown fields too (the request is refused before it runs, or should be).
 */
function valueOf(type: GraphQLInputType, strict: boolean, depth = 0): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    const v = valueOf(type.ofType, strict, depth);
    return strict ? v : fc.oneof({ weight: 8, arbitrary: v }, { weight: 1, arbitrary: fc.constant(null) });
  }
  const nullable = (a: fc.Arbitrary<unknown>) =>
    strict
      ? fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) })
      : fc.oneof({ weight: 4, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wrongType });
  if (isListType(type)) return nullable(fc.array(valueOf(type.ofType, strict, depth + 1), { maxLength: 3 }));
  if (isEnumType(type)) {
    const valid = fc.constantFrom(...type.getValues().map((v) => v.name));
    return nullable(strict ? valid : fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: fc.constant('NOT_A_VALUE') }));
  }
  if (isInputObjectType(type)) {
    if (depth > 3) return fc.constant(null);
    const fields = Object.values(type.getFields());
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const f of fields) record[f.name] = valueOf(f.type, strict, depth + 1);
    const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
    const optional = fields.filter((f) => !isNonNullType(f.type)).map((f) => f.name);
    return nullable(
      fc.tuple(fc.record(record, { requiredKeys: required }), fc.subarray(optional), fc.integer({ min: 0, max: 5 })).map(([o, keep, twist]) => {
        const value: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(o)) if (required.includes(k) || keep.includes(k)) value[k] = v;
        if (!strict && twist === 0 && required.length) delete value[required[0]!]; // a required field missing
        if (!strict && twist === 1) value.notAField = 1; // a field the type does not have
        return value;
      }),
    );
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return nullable(strict ? int32 : ints);
      case 'Float':
        return nullable(ints);
      case 'Boolean':
        return nullable(fc.boolean());
      case 'ID':
        return nullable(ids);
      case 'String':
        return nullable(strings);
      case 'DateTime':
      case 'Date':
        return nullable(strict ? isoDates : dates);
      default:
        return nullable(strict ? strings : fc.oneof(strings, ints, fc.constant({})));
    }
  }
  return fc.constant(null);
}

/** Optional arguments may be left out; a required one only when not strict. */
function argsOf(args: readonly GraphQLArgument[], strict: boolean): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const a of args) {
    const v = valueOf(a.type, strict);
    record[a.name] = isNonNullType(a.type) && !strict ? fc.oneof({ weight: 8, arbitrary: v }, { weight: 1, arbitrary: fc.constant(undefined) }) : v;
  }
  return fc.record(record, { requiredKeys: strict ? args.filter((a) => isNonNullType(a.type)).map((a) => a.name) : [] });
}

interface Case {
  op: Operation;
  role: Role | 'NONE';
  args: Record<string, unknown>;
}

const cases = fc.oneof(
  ...operations.map((op) =>
    fc.record({
      op: fc.constant(op),
      role: fc.constantFrom<Role | 'NONE'>('USER', 'SERVICE', 'ADMIN', 'NONE'),
      args: fc.oneof({ weight: 3, arbitrary: argsOf(op.field.args, true) }, { weight: 1, arbitrary: argsOf(op.field.args, false) }),
    }),
  ),
) as fc.Arbitrary<Case>;

function document(c: Case): { query: string; variables: Record<string, unknown> } {
  const a = c.op.field.args;
  const decl = a.length ? `(${a.map((x) => `$${x.name}: ${x.type.toString()}`).join(', ')})` : '';
  const use = a.length ? `(${a.map((x) => `${x.name}: $${x.name}`).join(', ')})` : '';
  const variables: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.args)) if (v !== undefined) variables[k] = v;
  return { query: `${c.op.kind} Fuzz${decl} { ${c.op.field.name}${use} ${selection(c.op.field.type, 1)} }`, variables };
}

// ---- the service ----

let db: TestDb;
let service: RunningService;
let url: string;
const tokens: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  db = await createTestDb(6);
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '8',
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  // the API alone: no worker job writes rows while a rejected request's row counts are compared
  service = await startService(config, createLogger('silent'), 'api');
  url = `http://127.0.0.1:${service.port}/graphql`;
  for (const role of ['USER', 'SERVICE', 'ADMIN'] as Role[]) {
    const r = await createUser({ em: db.em() }, { email: `fuzz-${role.toLowerCase()}-${randomUUID()}@example.com`, role });
    if (!r.ok) throw new Error(r.error.code);
    tokens[role] = await signToken(config.jwtSecret ?? DEV_JWT_SECRET, r.value.id, role, 3600);
  }
  // some rows to point at: credits, a hold, a used transaction
  const admin = { authorization: `Bearer ${tokens.ADMIN}` };
  const [user] = await db.em().getConnection().execute<{ id: string }[]>(`select id from users where role = 'USER' limit 1`);
  await post(
    {
      query: 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
      variables: { i: { userId: user!.id, seconds: 6000, source: 'BONUS', idempotencyKey: 'fuzz-seed' } },
    },
    admin,
  );
  await post(
    {
      query: 'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { userErrors { code } } }',
      variables: { i: { userId: user!.id, seconds: 60, idempotencyKey: 'fuzz-hold' } },
    },
    admin,
  );
  await post(
    {
      query: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }',
      variables: { i: { userId: user!.id, seconds: 60, idempotencyKey: 'fuzz-use' } },
    },
    admin,
  );
  realIds = await idsOfRows();
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await db?.close();
});

async function post(body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

async function tables(): Promise<string[]> {
  const rows = await db
    .em()
    .getConnection()
    .execute<{ relname: string }[]>(
      `select relname from pg_stat_user_tables where schemaname = 'public' and relname <> 'mikro_orm_migrations' order by relname`,
    );
  return rows.map((r) => r.relname);
}

/** Ids of rows of every table that has an id column (a few each), and every user id. */
async function idsOfRows(): Promise<string[]> {
  const conn = db.em().getConnection();
  const withId = await conn.execute<{ table_name: string }[]>(
    `select table_name from information_schema.columns where table_schema = 'public' and column_name = 'id'`,
  );
  const found: string[] = [];
  for (const t of withId) {
    const rows = await conn.execute<{ id: unknown }[]>(`select id::text as id from "${t.table_name}" order by random() limit 5`);
    found.push(...rows.map((r) => String(r.id)));
  }
  return [...new Set(found)];
}

let countSql = '';
async function rowCounts(): Promise<Record<string, number>> {
  if (!countSql) countSql = (await tables()).map((t) => `select '${t}' as t, count(*)::int as n from "${t}"`).join(' union all ');
  const rows = await db.em().getConnection().execute<{ t: string; n: number }[]>(countSql);
  return Object.fromEntries(rows.map((r) => [r.t, r.n]));
}

interface Answer {
  errors?: { message?: string; extensions?: { code?: string } }[];
  data?: Record<string, unknown> | null;
}

function rejected(c: Case, body: Answer): boolean {
  if (body.errors?.length) return true;
  const payload = body.data?.[c.op.field.name] as { userErrors?: unknown[] } | null | undefined;
  return Array.isArray(payload?.userErrors) && payload!.userErrors.length > 0;
}

describe('every operation of the schema', () => {
  it('answers random arguments of every role without a 500, an uncoded error, an internal error or a write when it refuses', async () => {
    console.log(`schema fuzz: FUZZ_SEED=${SEED} (${RUNS} requests over ${operations.length} operations)`);
    const generated = fc.sample(cases, { seed: SEED, numRuns: RUNS });
    const problems = new Map<string, string>();
    const note = (c: Case, what: string, detail: string) => {
      const key = `${c.op.kind} ${c.op.field.name}: ${what}`;
      if (!problems.has(key)) problems.set(key, `${detail} — as ${c.role} with ${JSON.stringify(c.args).slice(0, 300)}`);
    };
    const reached = new Set<string>();
    let executed = 0;
    for (const c of generated) {
      const { query, variables } = document(c);
      const headers: Record<string, string> = c.role === 'NONE' ? {} : { authorization: `Bearer ${tokens[c.role]}` };
      const before = c.op.kind === 'mutation' ? await rowCounts() : null;
      const res = await post({ query, variables }, headers);
      let body: Answer;
      try {
        body = JSON.parse(res.text) as Answer;
      } catch {
        note(c, 'not JSON', `${res.status} ${res.text.slice(0, 200)}`);
        continue;
      }
      if (body.data && body.data[c.op.field.name] !== undefined) {
        executed += 1;
        reached.add(c.op.field.name);
      }
      if (res.status >= 500) note(c, `HTTP ${res.status}`, res.text.slice(0, 300));
      for (const e of body.errors ?? []) {
        if (!e.extensions?.code) note(c, 'error without extensions.code', String(e.message));
        else if (e.extensions.code === 'INTERNAL_SERVER_ERROR') note(c, 'INTERNAL_SERVER_ERROR', String(e.message));
      }
      if (before && rejected(c, body)) {
        const after = await rowCounts();
        const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
        if (changed.length) note(c, 'rows written by a rejected request', `${changed.join(', ')} changed; answer ${res.text.slice(0, 200)}`);
      }
    }
    console.log(`schema fuzz: ${executed} of ${generated.length} requests executed, ${reached.size} of ${operations.length} operations reached their resolver`);
    expect([...problems.entries()].map(([k, v]) => `${k} (${v})`)).toEqual([]);
  }, 180_000);
});
