// bench:ingest — batch ingestion end to end: recordUsageBatch over GraphQL HTTP (SERVICE bearer
// token, rate limiter on) into our API process, BENCH_INGEST_CLIENTS clients each sending batches of
// BENCH_BATCH_ITEMS usages back to back for BENCH_SECONDS, spread over 10,000 users with credit.
// Reports accepted events per second, p50/p99 per batch, CPU seconds per 1,000 events of the API
// process and of the database's backends, and then checks the ledger: every accepted event is in it
// exactly once (`lost`: accepted but not recorded; `duplicated`: recorded more than once).
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DEV_JWT_SECRET } from '../src/config/env';
import { signToken } from '../src/auth/token-cli';
import { percentile, printTable, round, waitReady, writeSummary } from './common';

const BASE_URL = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const DB = 'vp_bench_ingest';
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_INGEST_CLIENTS ?? 4);
const ITEMS = Number(process.env.BENCH_BATCH_ITEMS ?? 1000);
const PORT = Number(process.env.BENCH_PORT ?? 4597);
const GOAL = { eventsPerSecondMin: 20_000, lost: 0, duplicated: 0 };

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  console.log(`bench:ingest — ${USERS} users, ${CLIENTS} clients, batches of ${ITEMS}, ${SECONDS} s`);
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const admin = new Pool({ connectionString: `${BASE_URL}/postgres`, max: 1 });
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.query(`create database ${DB}`);
  await admin.end();
  const server: ChildProcess = fork(join(__dirname, '..', 'src', 'main.js'), ['api'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: `${BASE_URL}/${DB}`,
      DATABASE_POOL_MAX: '32',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      JWT_SECRET: DEV_JWT_SECRET,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pool = new Pool({ connectionString: `${BASE_URL}/${DB}`, max: 2 });
  try {
    await waitReady(PORT);
    await pool.query(`
      insert into users (email) select 'bench-' || g || '@example.com' from generate_series(1, ${USERS}) g;
      insert into users (email, role) values ('voice-engine@example.com', 'SERVICE');
      insert into credit_balances (user_id) select id from users;
      select vp_grant(id, 'BONUS', 100000000, null, null, 'bench-seed', 'bench-seed', 'benchmark credit', null, null, null)
        from users where role = 'USER';
    `);
    await pool.query('vacuum analyze');
    const users = (await pool.query<{ id: string }>(`select id from users where role = 'USER'`)).rows.map((r) => r.id);
    const serviceId = (await pool.query<{ id: string }>(`select id from users where role = 'SERVICE'`)).rows[0]!.id;
    const token = await signToken(DEV_JWT_SECRET, serviceId, 'SERVICE', 3600);
    const query = 'mutation($i: RecordUsageBatchInput!) { recordUsageBatch(input: $i) { results { userErrors { code } } userErrors { code } } }';
    const run = `ing-${process.pid}-${Date.now()}`;
    let n = 0;
    const send = async (keys: string[]) => {
      const items = keys.map((k) => ({ userId: users[(n++ * 7919) % users.length]!, seconds: 1 + (n % 60), idempotencyKey: k }));
      const res = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables: { i: { items } } }),
      });
      const body = (await res.json()) as {
        data?: { recordUsageBatch: { results: { userErrors: { code: string }[] }[] } };
        errors?: { extensions?: { code?: string } }[];
      };
      return { status: res.status, body };
    };
    // warm-up, not measured (and not in the ledger check)
    for (let i = 0; i < 3; i++) await send(Array.from({ length: ITEMS }, (_, j) => `warm-${run}-${i}-${j}`));

    const recordsBefore = Number((await pool.query(`select count(*) as n from usage_records`)).rows[0].n);
    const accepted = new Set<string>();
    const refusedCodes = new Map<string, number>();
    const batchMs: number[] = [];
    let sent = 0;
    let failedBatches = 0;
    let seq = 0;
    const backendPids = (await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [DB])).rows.map((r) => r.pid);
    const pg0 = new Map(backendPids.map((p) => [p, cpuSeconds(p)]));
    const s0 = cpuSeconds(server.pid!);
    const started = Date.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < deadline) {
          const keys = Array.from({ length: ITEMS }, () => `${run}-${seq++}`);
          const t0 = process.hrtime.bigint();
          const r = await send(keys);
          batchMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
          sent += keys.length;
          const out = r.body.data?.recordUsageBatch.results;
          if (!out) {
            failedBatches += 1;
            const code = r.body.errors?.[0]?.extensions?.code ?? String(r.status);
            refusedCodes.set(code, (refusedCodes.get(code) ?? 0) + keys.length);
            continue;
          }
          out.forEach((o, i) => {
            if (o.userErrors.length === 0) accepted.add(keys[i]!);
            else refusedCodes.set(o.userErrors[0]!.code, (refusedCodes.get(o.userErrors[0]!.code) ?? 0) + 1);
          });
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    const serverCpu = cpuSeconds(server.pid!) - s0;
    const pids = new Set([
      ...backendPids,
      ...(await pool.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [DB])).rows.map((r) => r.pid),
    ]);
    let pgCpu = 0;
    for (const p of pids) pgCpu += Math.max(0, cpuSeconds(p) - (pg0.get(p) ?? 0));

    // the ledger check: every accepted key recorded once, nothing recorded twice
    const recordedKeys = new Set(
      (await pool.query<{ key: string }>(`select key from idempotency_records where operation = 'recordUsage' and key like $1`, [`${run}-%`])).rows.map(
        (r) => r.key,
      ),
    );
    const records = Number((await pool.query(`select count(*) as n from usage_records`)).rows[0].n) - recordsBefore;
    const entries = await pool.query<{ n: string; d: string }>(
      `select count(entry_id) as n, count(distinct entry_id) as d from usage_records where id in (select (response->>'usageRecordId')::uuid from idempotency_records where key like $1)`,
      [`${run}-%`],
    );
    let lost = 0;
    for (const k of accepted) if (!recordedKeys.has(k)) lost += 1;
    const duplicated = Math.max(0, records - recordedKeys.size) + (Number(entries.rows[0]!.n) - Number(entries.rows[0]!.d));
    batchMs.sort((a, b) => a - b);
    const eventsPerSecond = round(accepted.size / seconds, 0);
    const p50BatchMs = round(percentile(batchMs, 50), 1);
    const p99BatchMs = round(percentile(batchMs, 99), 1);
    const per1k = (s: number) => round((s * 1000) / Math.max(1, accepted.size), 3);
    printTable(
      ['events sent', 'accepted', 'accepted/s', 'batches', 'p50 ms/batch', 'p99 ms/batch', 'lost', 'duplicated', 'API CPU s/1k', 'postgres CPU s/1k'],
      [[sent, accepted.size, eventsPerSecond, batchMs.length, p50BatchMs, p99BatchMs, lost, duplicated, per1k(serverCpu), per1k(pgCpu)]],
    );
    if (refusedCodes.size) console.log(`not accepted: ${[...refusedCodes].map(([c, k]) => `${c} ${k}`).join(', ')}`);
    console.log(`\n${eventsPerSecond} events/s (goal ≥ ${GOAL.eventsPerSecondMin}); lost ${lost}, duplicated ${duplicated}; load average at start ${load}`);
    writeSummary('ingest', {
      eventsPerSecond,
      lost,
      duplicated,
      p50BatchMs,
      p99BatchMs,
      goal: GOAL,
      met: eventsPerSecond >= GOAL.eventsPerSecondMin && lost === 0 && duplicated === 0,
      users: USERS,
      clients: CLIENTS,
      itemsPerBatch: ITEMS,
      seconds: round(seconds, 1),
      sent,
      accepted: accepted.size,
      recordedKeys: recordedKeys.size,
      usageRecords: records,
      failedBatches,
      notAccepted: Object.fromEntries(refusedCodes),
      apiCpuSPer1kEvents: per1k(serverCpu),
      postgresCpuSPer1kEvents: per1k(pgCpu),
      loadAverageAtStart: load,
    });
  } finally {
    await pool.end();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
