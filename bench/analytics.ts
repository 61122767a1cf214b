// bench:analytics — every analytics query through the GraphQL API over HTTP (the service in its own
// process, USER tokens for the per-user queries, an ADMIN token for the admin ones), on 1,000 users
// with a year of usage (≥ 5 million ledger entries) seeded with set-based SQL; the usage rollup is
// built by the production function (vp_refresh_usage_rollups) in batches. Baselines in the same
// run, straight SQL through pg: a per-user year of daily buckets from the raw usage records
// (what a query costs without the rollup and without a per-user index on the hot-path table),
// the same with such an index, and the admin per-customer usage from the raw records.
// The database is dropped at the end.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DEV_JWT_SECRET } from '../src/config/env';
import { signToken } from '../src/auth/token-cli';
import { createOrm, ensureDatabase, migrate } from '../src/db/orm';
import { seed } from './analytics-seed';
import { percentile, printTable, round, waitReady, writeSummary } from './common';

const BASE_URL = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const DB = 'vp_bench_analytics';
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const DAYS = Number(process.env.BENCH_DAYS ?? 365);
const USER_ITERATIONS = Number(process.env.BENCH_USER_ITERATIONS ?? 200);
const ADMIN_ITERATIONS = Number(process.env.BENCH_ADMIN_ITERATIONS ?? 25);
const PORT = Number(process.env.BENCH_PORT ?? 4589);
const ROLLUP_BATCH = 200_000;
const GOAL = { userP95MsMax: 100, adminP95MsMax: 500, ledgerEntriesMin: 5_000_000 };

interface Query {
  name: string;
  kind: 'user' | 'admin';
  query: string;
  variables: () => Record<string, unknown>;
}

const DAY_MS = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const NOW = () => new Date().toISOString();

const QUERIES: Query[] = [
  {
    name: 'usage DAY, 30 days',
    kind: 'user',
    query:
      'query($f: DateTime!, $t: DateTime!) { usage(granularity: DAY, from: $f, to: $t) { buckets { localDate calls usedSeconds billableSeconds overageSeconds overageCents } totals { calls usedSeconds } } }',
    variables: () => ({ f: ago(30), t: NOW() }),
  },
  {
    name: 'usage DAY, 365 days',
    kind: 'user',
    query:
      'query($f: DateTime!, $t: DateTime!) { usage(granularity: DAY, from: $f, to: $t) { buckets { localDate calls usedSeconds billableSeconds overageSeconds overageCents } totals { calls usedSeconds } } }',
    variables: () => ({ f: ago(365), t: NOW() }),
  },
  {
    name: 'usage WEEK, 52 weeks',
    kind: 'user',
    query: 'query($f: DateTime!, $t: DateTime!) { usage(granularity: WEEK, from: $f, to: $t) { buckets { startAt calls usedSeconds overageCents } } }',
    variables: () => ({ f: ago(364), t: NOW() }),
  },
  {
    name: 'usage MONTH, 12 months',
    kind: 'user',
    query: 'query($f: DateTime!, $t: DateTime!) { usage(granularity: MONTH, from: $f, to: $t) { buckets { startAt calls usedSeconds overageCents } } }',
    variables: () => ({ f: ago(365), t: NOW() }),
  },
  {
    name: 'usageForecast',
    kind: 'user',
    query: '{ usageForecast { dailyRateSeconds projectedUsedSeconds projectedOverageCents balanceRunsOutAt } }',
    variables: () => ({}),
  },
  {
    name: 'roi (all time)',
    kind: 'user',
    query: '{ roi(agentCostCentsPerHour: 3000) { handledMinutes humanCostCents spendCents savingsCents returnBp } }',
    variables: () => ({}),
  },
  {
    name: 'revenueMetrics, 30 days',
    kind: 'admin',
    query:
      'query($f: DateTime!, $t: DateTime!) { revenueMetrics(from: $f, to: $t) { mrrCents newMrrCents expansionMrrCents contractionMrrCents churnedMrrCents customerChurnRateBp arpuCents ltvCents revenueCents } }',
    variables: () => ({ f: ago(30), t: NOW() }),
  },
  {
    name: 'revenueMetrics, 365 days',
    kind: 'admin',
    query:
      'query($f: DateTime!, $t: DateTime!) { revenueMetrics(from: $f, to: $t) { mrrCents newMrrCents churnedMrrCents customerChurnRateBp ltvCents revenueCents } }',
    variables: () => ({ f: ago(365), t: NOW() }),
  },
  {
    name: 'tierUsage (last month)',
    kind: 'admin',
    query: '{ tierUsage { planCode customers averageShareBp p50ShareBp p90ShareBp overageShareBp } }',
    variables: () => ({}),
  },
  {
    name: 'tierUsage, 365 days',
    kind: 'admin',
    query: 'query($f: DateTime!, $t: DateTime!) { tierUsage(from: $f, to: $t) { planCode customers p50ShareBp p90ShareBp } }',
    variables: () => ({ f: ago(365), t: NOW() }),
  },
  {
    name: 'customerEconomics first 20 (last month)',
    kind: 'admin',
    query: '{ customerEconomics(first: 20) { totalCount edges { node { userId revenueCents costCents marginCents marginBp } } pageInfo { endCursor } } }',
    variables: () => ({}),
  },
  {
    name: 'customerEconomics first 20, 365 days',
    kind: 'admin',
    query:
      'query($f: DateTime!, $t: DateTime!) { customerEconomics(first: 20, from: $f, to: $t) { totalCount edges { node { userId revenueCents costCents marginCents } } } }',
    variables: () => ({ f: ago(365), t: NOW() }),
  },
  {
    name: 'unitEconomics (last month)',
    kind: 'admin',
    query: '{ unitEconomics { plans { planCode customers revenuePerUsedMinuteMillicents marginBp } unattributedUsedSeconds } }',
    variables: () => ({}),
  },
  {
    name: 'unitEconomics, 365 days',
    kind: 'admin',
    query: 'query($f: DateTime!, $t: DateTime!) { unitEconomics(from: $f, to: $t) { plans { planCode revenuePerUsedMinuteMillicents marginBp } } }',
    variables: () => ({ f: ago(365), t: NOW() }),
  },
];

interface Measured {
  name: string;
  kind: string;
  n: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

async function timed(n: number, fn: (i: number) => Promise<void>): Promise<{ p50Ms: number; p95Ms: number; maxMs: number; n: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { n, p50Ms: round(percentile(ms, 50), 1), p95Ms: round(percentile(ms, 95), 1), maxMs: round(ms[ms.length - 1] ?? 0, 1) };
}

async function gql(token: string, q: Query): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: q.query, variables: q.variables() }),
  });
  const body = (await res.json()) as { errors?: unknown[] };
  if (res.status !== 200 || body.errors) throw new Error(`${q.name}: HTTP ${res.status} ${JSON.stringify(body.errors)}`);
}

function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js'), 'api'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: `${BASE_URL}/${DB}`,
      DATABASE_POOL_MAX: '8',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      JWT_SECRET: DEV_JWT_SECRET,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return waitReady(PORT).then(
    () => child,
    (err) => {
      child.kill('SIGKILL');
      throw err;
    },
  );
}

const RAW_DAILY = `
  select (r.occurred_at at time zone u.time_zone)::date as day, count(*) as calls, sum(r.used_seconds) as used,
         sum(r.billed_seconds) as billed, sum(r.overage_seconds) as overage
    from usage_records r join users u on u.id = r.user_id
   where r.user_id = $1 and r.occurred_at >= $2 and r.occurred_at < $3
   group by 1 order by 1`;
const RAW_PER_CUSTOMER = `
  select r.user_id, count(*) as calls, sum(r.used_seconds) as used
    from usage_records r where r.occurred_at >= $1 and r.occurred_at < $2 group by 1`;

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `bench:analytics — ${USERS} users, ${DAYS} days of usage; ${USER_ITERATIONS} requests per per-user query, ${ADMIN_ITERATIONS} per admin query, one at a time, over HTTP`,
  );
  const admin = new Pool({ connectionString: `${BASE_URL}/postgres`, max: 1 });
  await admin.query(`drop database if exists ${DB} with (force)`);
  const url = `${BASE_URL}/${DB}`;
  await ensureDatabase(url);
  const orm = await createOrm({ databaseUrl: url, poolMax: 2 });
  await migrate(orm);
  await orm.close(true);
  const pool = new Pool({ connectionString: url, max: 4 });
  let server: ChildProcess | null = null;
  try {
    console.log('seeding:');
    const t0 = Date.now();
    const figures = await seed(pool, USERS, DAYS, console.log);
    const seedSeconds = round((Date.now() - t0) / 1000, 1);
    console.log(
      `seeded in ${seedSeconds} s: ${figures.ledgerEntries} ledger entries, ${figures.usageRecords} usage records, ${figures.periods} periods, ${figures.membershipChanges} membership changes`,
    );

    // the rollup, built as production builds it: the job's function, batch after batch
    const t1 = Date.now();
    let passes = 0;
    for (;;) {
      const { rows } = await pool.query<{ r: { consumed: number; more: boolean } }>('select vp_refresh_usage_rollups($1) as r', [ROLLUP_BATCH]);
      passes += 1;
      if (!rows[0]!.r.more) break;
    }
    await pool.query('vacuum analyze usage_daily');
    const rollupSeconds = round((Date.now() - t1) / 1000, 1);
    const rollupRows = Number((await pool.query<{ n: string }>('select count(*) as n from usage_daily')).rows[0]!.n);
    console.log(`rollup built in ${rollupSeconds} s (${passes} passes of ≤ ${ROLLUP_BATCH}): ${rollupRows} rows in usage_daily`);

    server = await startServer();
    const userIds = (await pool.query<{ id: string }>(`select user_id as id from usage_daily group by 1 order by md5(user_id::text) limit 200`)).rows.map(
      (r) => r.id,
    );
    const tokens = await Promise.all(userIds.map((id) => signToken(DEV_JWT_SECRET, id, 'USER', 3600)));
    const adminToken = await signToken(DEV_JWT_SECRET, randomUUID(), 'ADMIN', 3600);

    const measured: Measured[] = [];
    for (const q of QUERIES) {
      const n = q.kind === 'user' ? USER_ITERATIONS : ADMIN_ITERATIONS;
      const tokenOf = (i: number) => (q.kind === 'user' ? tokens[(i * 37) % tokens.length]! : adminToken);
      for (let i = 0; i < 3; i++) await gql(tokenOf(i + 1000), q); // warm-up
      const r = await timed(n, (i) => gql(tokenOf(i), q));
      measured.push({ name: q.name, kind: q.kind, ...r });
      console.log(`  ${q.name}: p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms`);
    }

    // baselines in the same run, straight SQL (no HTTP): no rollup
    const from = new Date(Date.now() - 365 * DAY_MS);
    const to = new Date();
    await pool.query(RAW_PER_CUSTOMER, [from, to]); // warm-up (the first scan also sets hint bits)
    const rawUser = await timed(5, (i) => pool.query(RAW_DAILY, [userIds[i % userIds.length], from, to]).then(() => undefined));
    const rawAdmin = await timed(3, () => pool.query(RAW_PER_CUSTOMER, [from, to]).then(() => undefined));
    console.log('  baseline: raw per-user daily buckets (sequential scan) and the raw per-customer usage measured');
    const t2 = Date.now();
    await pool.query('create index bench_usage_records_user on usage_records (user_id, occurred_at)');
    const indexSeconds = round((Date.now() - t2) / 1000, 1);
    const rawUserIndexed = await timed(50, (i) => pool.query(RAW_DAILY, [userIds[i % userIds.length], from, to]).then(() => undefined));
    await pool.query('drop index bench_usage_records_user');

    printTable(
      ['query', 'kind', 'requests', 'p50 ms', 'p95 ms', 'max ms'],
      [
        ...measured.map((m) => [m.name, m.kind, m.n, m.p50Ms, m.p95Ms, m.maxMs]),
        ['baseline: raw daily buckets, 365 days (SQL, no rollup, no index)', 'user', rawUser.n, rawUser.p50Ms, rawUser.p95Ms, rawUser.maxMs],
        ['baseline: the same with an index (user_id, occurred_at)', 'user', rawUserIndexed.n, rawUserIndexed.p50Ms, rawUserIndexed.p95Ms, rawUserIndexed.maxMs],
        ['baseline: raw usage per customer, 365 days (SQL)', 'admin', rawAdmin.n, rawAdmin.p50Ms, rawAdmin.p95Ms, rawAdmin.maxMs],
      ],
    );
    const worst = (kind: string) => measured.filter((m) => m.kind === kind).reduce((a, b) => (b.p95Ms > a.p95Ms ? b : a));
    const userWorst = worst('user');
    const adminWorst = worst('admin');
    const dayYear = measured.find((m) => m.name === 'usage DAY, 365 days')!;
    const ratio = round(rawUser.p50Ms / dayYear.p50Ms, 1);
    const met = userWorst.p95Ms < GOAL.userP95MsMax && adminWorst.p95Ms < GOAL.adminP95MsMax && figures.ledgerEntries >= GOAL.ledgerEntriesMin;
    console.log(
      `\nuserP95Ms ${userWorst.p95Ms} (${userWorst.name}; goal < ${GOAL.userP95MsMax}), adminP95Ms ${adminWorst.p95Ms} (${adminWorst.name}; goal < ${GOAL.adminP95MsMax}); ` +
        `ratio ${ratio}: raw scan p50 ÷ rollup p50 for a year of daily buckets; total ${round((Date.now() - started) / 1000, 0)} s`,
    );
    writeSummary('analytics', {
      userP95Ms: userWorst.p95Ms,
      adminP95Ms: adminWorst.p95Ms,
      worstUserQuery: userWorst.name,
      worstAdminQuery: adminWorst.name,
      ratio,
      goal: GOAL,
      met,
      via: 'GraphQL over HTTP, one request at a time, the API in its own process',
      baseline: {
        what: 'a year of daily buckets for one user computed from the raw usage records in SQL (no rollup, no per-user index on the hot-path table)',
        p50Ms: rawUser.p50Ms,
        p95Ms: rawUser.p95Ms,
        withIndex: {
          what: 'the same with an index (user_id, occurred_at) — one more index write per usage on the hot path',
          p50Ms: rawUserIndexed.p50Ms,
          p95Ms: rawUserIndexed.p95Ms,
          indexBuildSeconds: indexSeconds,
        },
        adminRawPerCustomerUsage: { p50Ms: rawAdmin.p50Ms, p95Ms: rawAdmin.p95Ms },
      },
      data: { ...figures, days: DAYS, seedSeconds, rollupSeconds, rollupPasses: passes, rollupRows },
      queries: measured,
      totalSeconds: round((Date.now() - started) / 1000, 0),
    });
  } finally {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await new Promise((r) => server!.once('exit', r));
    await pool.end();
    if (!process.env.BENCH_KEEP_DB) await admin.query(`drop database if exists ${DB} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
