// bench:api — our API against bare baselines started beside it, in the same run, on the same
// database, with the same load generator (autocannon, keep-alive connections):
//   A  bare Apollo Server 5 (startStandaloneServer), `{ health }` answering a constant;
//   B  ours: public `{ plans { code } }` and `{ me { id role } }` with a USER bearer token;
//   C  bare Apollo Server 5 running the one CTE (conditional balance update + ledger insert, through
//      `pg`) against ours: `recordUsage(seconds: 1)` with a SERVICE bearer token across 10,000 users.
// Rounds alternate A, B, C (BENCH_ROUNDS ≥ 3, each operation BENCH_SECONDS per round); req/s are
// medians over rounds; the ratios are ours ÷ baseline. CPU seconds per 1,000 requests come from
// /proc/<pid>/stat (utime + stime) of each process over each measured window — steadier than wall
// time on a shared box — for the server under load, the Postgres backends of the bench's database,
// and the load generator (this process). Each server runs in its own process.
//
// BENCH_ONLY=plans,me,recordUsage limits what runs (for profiling one path); BENCH_CPU_PROF=<dir>
// starts our server with `node --cpu-prof --cpu-prof-dir=<dir>` (the profile is written when it exits).
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { DEV_JWT_SECRET } from '../src/config/env';
import { signToken } from '../src/auth/token-cli';
import { printTable, round, waitReady, writeSummary } from './common';

const BASE_URL = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const DB = 'vp_bench_api';
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PORT = Number(process.env.BENCH_PORT ?? 4587);
const BARE_HEALTH_PORT = PORT + 1;
const BARE_CTE_PORT = PORT + 2;
const ONLY = new Set((process.env.BENCH_ONLY ?? 'plans,me,recordUsage').split(',').map((s) => s.trim()));
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ?? null;
const GOAL = { plansVsBareApolloMin: 0.5, meVsBareApolloMin: 0.4, recordUsageVsApolloCteMin: 1.0 };
const TICKS_PER_SECOND = 100; // getconf CLK_TCK on Linux

async function setupDatabase(): Promise<void> {
  const admin = new Pool({ connectionString: `${BASE_URL}/postgres`, max: 1 });
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.query(`create database ${DB}`);
  await admin.end();
}

async function seed(pool: Pool): Promise<{ users: string[]; serviceId: string }> {
  await pool.query(`
    insert into users (email) select 'bench-' || g || '@example.com' from generate_series(1, ${USERS}) g;
    insert into users (email, role) values ('voice-engine@example.com', 'SERVICE');
    insert into credit_balances (user_id) select id from users;
    select vp_grant(id, 'BONUS', 100000000, null, null, 'bench-seed', 'bench-seed', 'benchmark credit', null, null, null)
      from users where role = 'USER';
    create table bench_balances (user_id uuid primary key, balance_seconds bigint not null check (balance_seconds >= 0));
    create table bench_ledger (id bigint generated always as identity primary key, user_id uuid not null,
      amount_seconds bigint not null, balance_after_seconds bigint not null, idempotency_key text not null,
      created_at timestamptz not null default now(), unique (user_id, idempotency_key));
    insert into bench_balances select id, 100000000 from users where role = 'USER';
  `);
  await pool.query('vacuum analyze');
  const users = (await pool.query<{ id: string }>(`select id from users where role = 'USER'`)).rows.map((r) => r.id);
  const serviceId = (await pool.query<{ id: string }>(`select id from users where role = 'SERVICE'`)).rows[0]!.id;
  return { users, serviceId };
}

function startOurs(): ChildProcess {
  return fork(join(__dirname, '..', 'src', 'main.js'), ['api'], {
    execArgv: CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : [],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: `${BASE_URL}/${DB}`,
      DATABASE_POOL_MAX: '32',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000', // one principal sends everything; the limiter still runs
      JWT_SECRET: DEV_JWT_SECRET,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

function startBare(mode: 'health' | 'cte', port: number): Promise<ChildProcess> {
  const child = fork(join(__dirname, 'bare-apollo.js'), [mode, String(port), `${BASE_URL}/${DB}`], {
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`bare Apollo (${mode}) exited with ${code}`)));
  });
}

/** utime + stime of a process, in seconds (0 when it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The bench database's Postgres backends (when Postgres runs on this machine; else none). */
async function backends(pool: Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(`select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [DB]);
  return rows.map((r) => r.pid).filter((pid) => readdirSync('/proc').includes(String(pid)));
}

interface Window {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU seconds per 1,000 answered requests: the server, its Postgres backends, the load generator. */
  serverCpuSPer1k: number;
  postgresCpuSPer1k: number;
  loadCpuSPer1k: number;
}

function cannon(port: number, seconds: number, makeBody: () => string, token: string | null): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}/graphql`,
        connections: CONNECTIONS,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: makeBody() }) }],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

async function measure(pool: Pool, server: ChildProcess, port: number, makeBody: () => string, token: string | null): Promise<Window> {
  const pgBefore = new Map((await backends(pool)).map((pid) => [pid, cpuSeconds(pid)]));
  const s0 = cpuSeconds(server.pid!);
  const l0 = cpuSeconds(process.pid);
  const r = await cannon(port, SECONDS, makeBody, token);
  const s1 = cpuSeconds(server.pid!);
  const l1 = cpuSeconds(process.pid);
  let pg = 0;
  for (const pid of new Set([...pgBefore.keys(), ...(await backends(pool))])) pg += Math.max(0, cpuSeconds(pid) - (pgBefore.get(pid) ?? 0));
  const ok = Math.max(1, r.requests.total - r.non2xx);
  const per1k = (s: number) => round((s * 1000) / ok, 3);
  return {
    reqPerSec: round(r.requests.total / r.duration, 0),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    serverCpuSPer1k: per1k(s1 - s0),
    postgresCpuSPer1k: per1k(pg),
    loadCpuSPer1k: per1k(l1 - l0),
  };
}

/** Medians over the rounds (req/s, latencies, CPU per 1k); totals of counts. */
function summarise(ws: Window[]): Window {
  const med = (f: (w: Window) => number) => {
    const v = ws.map(f).sort((a, b) => a - b);
    return v.length % 2 ? v[(v.length - 1) / 2]! : round((v[v.length / 2 - 1]! + v[v.length / 2]!) / 2, 3);
  };
  const sum = (f: (w: Window) => number) => ws.reduce((n, w) => n + f(w), 0);
  return {
    reqPerSec: med((w) => w.reqPerSec),
    p50Ms: med((w) => w.p50Ms),
    p99Ms: med((w) => w.p99Ms),
    requests: sum((w) => w.requests),
    non2xx: sum((w) => w.non2xx),
    errors: sum((w) => w.errors),
    serverCpuSPer1k: med((w) => w.serverCpuSPer1k),
    postgresCpuSPer1k: med((w) => w.postgresCpuSPer1k),
    loadCpuSPer1k: med((w) => w.loadCpuSPer1k),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  console.log(
    `bench:api — ${USERS} users, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds (A bare Apollo, B ours plans/me, C bare Apollo+CTE vs ours recordUsage), ${SECONDS} s per operation and round`,
  );
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  await setupDatabase();
  const ours = startOurs(); // it migrates its database on start; seed after that
  const children: ChildProcess[] = [ours];
  const pool = new Pool({ connectionString: `${BASE_URL}/${DB}`, max: 2 });
  try {
    await waitReady(PORT);
    const { users, serviceId } = await seed(pool);
    const bareHealth = await startBare('health', BARE_HEALTH_PORT);
    children.push(bareHealth);
    const bareCte = ONLY.has('recordUsage') ? await startBare('cte', BARE_CTE_PORT) : null;
    if (bareCte) children.push(bareCte);
    const serviceToken = await signToken(DEV_JWT_SECRET, serviceId, 'SERVICE', 3600);
    const userToken = await signToken(DEV_JWT_SECRET, users[0]!, 'USER', 3600);
    let n = 0;
    const nextUser = () => users[(n * 7919) % users.length]!;
    const usage = () =>
      JSON.stringify({
        query: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { billedSeconds balance { balanceSeconds version } userErrors { code } } }',
        variables: { i: { userId: nextUser(), seconds: 1, idempotencyKey: `api-${process.pid}-${n++}` } },
      });
    const cte = () =>
      JSON.stringify({
        query: 'mutation($u: ID!, $s: Int!, $k: String!) { recordUsage(userId: $u, seconds: $s, idempotencyKey: $k) }',
        variables: { u: nextUser(), s: 1, k: `cte-${process.pid}-${n++}` },
      });
    const healthBody = JSON.stringify({ query: '{ health }' });
    const plansBody = JSON.stringify({ query: '{ plans { code } }' });
    const meBody = JSON.stringify({ query: '{ me { id role } }' });

    // warm-up (JIT, pools), not measured
    const warm = Math.min(3, SECONDS);
    await cannon(BARE_HEALTH_PORT, warm, () => healthBody, null);
    if (ONLY.has('plans')) await cannon(PORT, warm, () => plansBody, null);
    if (ONLY.has('me')) await cannon(PORT, warm, () => meBody, userToken);
    if (bareCte) await cannon(BARE_CTE_PORT, warm, cte, null);
    if (ONLY.has('recordUsage')) await cannon(PORT, warm, usage, serviceToken);

    const w: Record<string, Window[]> = { bareApollo: [], plans: [], me: [], bareApolloCte: [], recordUsage: [] };
    const recordedBefore = Number((await pool.query(`select count(*) as n from usage_records`)).rows[0].n);
    let recordAnswered = 0;
    for (let r = 0; r < ROUNDS; r++) {
      w.bareApollo!.push(await measure(pool, bareHealth, BARE_HEALTH_PORT, () => healthBody, null)); // A
      if (ONLY.has('plans')) w.plans!.push(await measure(pool, ours, PORT, () => plansBody, null)); // B
      if (ONLY.has('me')) w.me!.push(await measure(pool, ours, PORT, () => meBody, userToken));
      if (bareCte) w.bareApolloCte!.push(await measure(pool, bareCte, BARE_CTE_PORT, cte, null)); // C
      if (ONLY.has('recordUsage')) {
        const m = await measure(pool, ours, PORT, usage, serviceToken);
        recordAnswered += m.requests - m.non2xx;
        w.recordUsage!.push(m);
      }
      console.log(`round ${r + 1}/${ROUNDS} done`);
    }
    const recorded = Number((await pool.query(`select count(*) as n from usage_records`)).rows[0].n) - recordedBefore;

    const s = Object.fromEntries(
      Object.entries(w)
        .filter(([, v]) => v.length > 0)
        .map(([k, v]) => [k, summarise(v)]),
    ) as Record<string, Window>;
    const ratio = (a?: Window, b?: Window) => (a && b ? round(a.reqPerSec / b.reqPerSec, 2) : null);
    const rows: [string, string, Window | undefined, number | null][] = [
      ['A', 'bare Apollo { health }', s.bareApollo, null],
      ['B', 'ours { plans { code } } (public)', s.plans, ratio(s.plans, s.bareApollo)],
      ['B', 'ours { me { id role } } (USER JWT)', s.me, ratio(s.me, s.bareApollo)],
      ['C', 'bare Apollo + CTE through pg', s.bareApolloCte, null],
      ['C', 'ours recordUsage (SERVICE JWT)', s.recordUsage, ratio(s.recordUsage, s.bareApolloCte)],
    ];
    printTable(
      ['', 'operation', 'req/s', 'ratio', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors', 'server CPU s/1k', 'postgres CPU s/1k', 'load gen CPU s/1k'],
      rows
        .filter(([, , x]) => x)
        .map(([g, name, x, q]) => [
          g,
          name,
          x!.reqPerSec,
          q ?? '-',
          x!.p50Ms,
          x!.p99Ms,
          x!.requests,
          x!.non2xx,
          x!.errors,
          x!.serverCpuSPer1k,
          x!.postgresCpuSPer1k,
          x!.loadCpuSPer1k,
        ]),
    );
    const plansVsBareApollo = ratio(s.plans, s.bareApollo);
    const meVsBareApollo = ratio(s.me, s.bareApollo);
    const recordUsageVsApolloCte = ratio(s.recordUsage, s.bareApolloCte);
    console.log(
      `\nplans ${plansVsBareApollo}× bare Apollo (goal ≥ ${GOAL.plansVsBareApolloMin}), me ${meVsBareApollo}× (goal ≥ ${GOAL.meVsBareApolloMin}), recordUsage ${recordUsageVsApolloCte}× bare Apollo + CTE (goal ≥ ${GOAL.recordUsageVsApolloCteMin}); usages recorded ${recorded} of ${recordAnswered} answered; load average at start ${load}`,
    );
    writeSummary('api', {
      plansVsBareApollo,
      meVsBareApollo,
      recordUsageVsApolloCte,
      goal: GOAL,
      met:
        (plansVsBareApollo ?? 0) >= GOAL.plansVsBareApolloMin &&
        (meVsBareApollo ?? 0) >= GOAL.meVsBareApolloMin &&
        (recordUsageVsApolloCte ?? 0) >= GOAL.recordUsageVsApolloCteMin,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      secondsPerOperationAndRound: SECONDS,
      users: USERS,
      loadAverageAtStart: load,
      recorded,
      ...s,
    });
  } finally {
    await pool.end();
    await Promise.all(children.map(stop));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
