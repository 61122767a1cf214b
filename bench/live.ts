// bench:live — 1,000 subscribed clients (one per user, in a separate process) while usage is
// recorded for those users at 200 per second; commit-to-client latency (the balance's updatedAt,
// stamped by the database, to arrival at the client), lost and out-of-order updates, and the API
// process's memory per 1,000 connections. Baseline, in the same run: the same Redis messages fanned
// out by a bare `ws` server to the same clients.
import 'reflect-metadata';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DEV_JWT_SECRET } from '../src/config/env';
import { signToken } from '../src/auth/token-cli';
import { percentile, printTable, round, waitReady, writeSummary } from './common';

const BASE_URL = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const DB = 'vp_bench_live';
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 1000);
const RATE_PER_SECOND = 200;
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 30);
const PORT = Number(process.env.BENCH_PORT ?? 4589);
const API_NODE_FLAGS = (process.env.BENCH_API_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const ROUNDS = 3; // alternating graphql-ws / bare rounds, DURATION_S measured per fan-out in all
const WARMUP_S = 3; // load before measuring latency (JIT, pools, Redis subscriptions); updates are still checked for loss
const GOAL = { p99MsMax: 100, baselineFactorMax: 2, rssMbPer1000Max: 100 };

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function once<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
  });
}

interface Phase {
  latencies: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  delivered: number;
  expected: number;
  lost: number;
  outOfOrder: number;
}

async function main(): Promise<void> {
  console.log(`bench:live — ${CLIENTS} clients, ${RATE_PER_SECOND} usages/s for ${DURATION_S} s per phase`);
  const admin = new Pool({ connectionString: `${BASE_URL}/postgres`, max: 1 });
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.query(`create database ${DB}`);
  await admin.end();
  const api = spawn(process.execPath, [...API_NODE_FLAGS, join(__dirname, '..', 'src', 'main.js'), 'api'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: `${BASE_URL}/${DB}`,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000',
      JWT_SECRET: DEV_JWT_SECRET,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const fanout = fork(join(__dirname, 'live-fanout.js'), [], { env: { ...process.env, PORT: '0' } });
  const children: ChildProcess[] = [fanout];
  const pool = new Pool({ connectionString: `${BASE_URL}/${DB}`, max: 4 });
  try {
    await waitReady(PORT);
    const fanoutPort = (await once<{ port: number }>(fanout, 'listening')).port;
    await pool.query(`
      insert into users (email) select 'live-' || g || '@example.com' from generate_series(1, ${CLIENTS}) g;
      insert into users (email, role) values ('voice-engine@example.com', 'SERVICE');
      insert into credit_balances (user_id) select id from users;
      select vp_grant(id, 'BONUS', 100000000, null, null, 'seed', 'seed', 'benchmark credit', null, null, null) from users where role = 'USER';`);
    const ids = (await pool.query<{ id: string }>(`select id from users where role = 'USER' order by id`)).rows.map((r) => r.id);
    const serviceId = (await pool.query<{ id: string }>(`select id from users where role = 'SERVICE'`)).rows[0]!.id;
    const serviceToken = await signToken(DEV_JWT_SECRET, serviceId, 'SERVICE', 3600);
    const users = await Promise.all(ids.map(async (id) => ({ id, token: await signToken(DEV_JWT_SECRET, id, 'USER', 3600) })));

    // one phase: connect the clients (fresh process), record usage at the rate, collect what arrived
    const runPhase = async (mode: 'graphql' | 'bare', round_: number): Promise<Phase & { rssBeforeMb: number; rssAfterMb: number }> => {
      const clients = fork(join(__dirname, 'live-clients.js'));
      children.push(clients);
      const rssBeforeMb = rssMb(api.pid!);
      const url = mode === 'graphql' ? `ws://127.0.0.1:${PORT}/graphql` : `ws://127.0.0.1:${fanoutPort}`;
      clients.send({ type: 'start', mode, url, users });
      await once(clients, 'connected');
      await sleep(1000); // subscriptions reach Redis
      const rssAfterMb = rssMb(api.pid!);
      const expected = new Map<string, Set<number>>();
      let n = 0;
      let warm = false;
      const started = Date.now();
      const inflight: Promise<void>[] = [];
      const record = async (user: string, i: number) => {
        const res = await fetch(`http://127.0.0.1:${PORT}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${serviceToken}` },
          body: JSON.stringify({
            query: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { balance { version } userErrors { code } } }',
            variables: { i: { userId: user, seconds: 1, idempotencyKey: `${mode}-${round_}-${i}` } },
          }),
        });
        const body = (await res.json()) as { data?: { recordUsage: { balance: { version: number } | null } } };
        const v = body.data?.recordUsage.balance?.version;
        if (v !== undefined) {
          const set = expected.get(user) ?? new Set<number>();
          set.add(v);
          expected.set(user, set);
        }
      };
      while (Date.now() - started < (WARMUP_S + DURATION_S / ROUNDS) * 1000) {
        if (!warm && Date.now() - started >= WARMUP_S * 1000) {
          warm = true;
          clients.send({ type: 'reset' });
        }
        const due = Math.floor(((Date.now() - started) / 1000) * RATE_PER_SECOND);
        while (n < due) {
          inflight.push(record(ids[n % ids.length]!, n));
          n += 1;
        }
        await sleep(5);
      }
      await Promise.all(inflight);
      await sleep(1500); // let the last updates arrive
      clients.send({ type: 'report' });
      const report = await once<{ latencies: number[]; outOfOrder: number; versions: Record<string, number[]> }>(clients, 'report');
      clients.send({ type: 'stop' });
      await new Promise((r) => clients.once('exit', r));
      let lost = 0;
      let total = 0;
      for (const [user, set] of expected) {
        const got = new Set(report.versions[user] ?? []);
        for (const v of set) {
          total += 1;
          if (!got.has(v)) lost += 1;
        }
      }
      const lat = [...report.latencies].sort((a, b) => a - b);
      return {
        latencies: lat,
        p50Ms: percentile(lat, 50),
        p99Ms: percentile(lat, 99),
        maxMs: lat.at(-1) ?? 0,
        delivered: lat.length,
        expected: total,
        lost,
        outOfOrder: report.outOfOrder,
        rssBeforeMb: round(rssBeforeMb, 1),
        rssAfterMb: round(rssAfterMb, 1),
      };
    };

    // alternating rounds, so drift of the shared machine hits both fan-outs alike
    const merge = (parts: (Phase & { rssBeforeMb: number; rssAfterMb: number })[]) => {
      const lat = parts.flatMap((p) => p.latencies).sort((a, b) => a - b);
      return {
        p50Ms: percentile(lat, 50),
        p99Ms: percentile(lat, 99),
        maxMs: lat.at(-1) ?? 0,
        delivered: lat.length,
        expected: parts.reduce((n, p) => n + p.expected, 0),
        lost: parts.reduce((n, p) => n + p.lost, 0),
        outOfOrder: parts.reduce((n, p) => n + p.outOfOrder, 0),
        rssBeforeMb: Math.min(...parts.map((p) => p.rssBeforeMb)),
        rssAfterMb: Math.max(...parts.map((p) => p.rssAfterMb)),
      };
    };
    const liveParts = [];
    const bareParts = [];
    for (let r = 0; r < ROUNDS; r++) {
      liveParts.push(await runPhase('graphql', r));
      bareParts.push(await runPhase('bare', r));
    }
    const live = merge(liveParts);
    const bare = merge(bareParts);
    const rssRound = liveParts[0]!;

    // memory: the first round, from a process that has served no WebSocket yet to 1,000 subscribed connections
    const rssMbPer1000 = round(((rssRound.rssAfterMb - rssRound.rssBeforeMb) * 1000) / CLIENTS, 1);
    printTable(
      ['fan-out', 'p50 ms', 'p99 ms', 'max ms', 'measured', 'committed (all)', 'lost', 'out of order'],
      [
        ['graphql-ws (API)', live.p50Ms, live.p99Ms, live.maxMs, live.delivered, live.expected, live.lost, live.outOfOrder],
        ['bare ws (baseline)', bare.p50Ms, bare.p99Ms, bare.maxMs, bare.delivered, bare.expected, bare.lost, bare.outOfOrder],
      ],
    );
    console.log(
      `\nAPI resident memory: ${rssRound.rssBeforeMb} MB before, ${rssRound.rssAfterMb} MB with ${CLIENTS} subscribed connections → ${rssMbPer1000} MB per 1,000`,
    );
    const met =
      live.p99Ms < GOAL.p99MsMax &&
      live.p99Ms <= GOAL.baselineFactorMax * Math.max(bare.p99Ms, 1) &&
      rssMbPer1000 < GOAL.rssMbPer1000Max &&
      live.lost === 0 &&
      live.outOfOrder === 0;
    writeSummary('live', {
      p99Ms: live.p99Ms,
      baselineP99Ms: bare.p99Ms,
      lostUpdates: live.lost,
      outOfOrderUpdates: live.outOfOrder,
      rssMbPer1000,
      ratio: round(live.p99Ms / Math.max(bare.p99Ms, 1), 2),
      goal: GOAL,
      met,
      clients: CLIENTS,
      usagesPerSecond: RATE_PER_SECOND,
      secondsMeasuredPerFanout: DURATION_S,
      rounds: ROUNDS,
      live,
      baseline: bare,
    });
  } finally {
    await pool.end();
    api.kill('SIGTERM');
    for (const c of children) c.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
