// bench:ledger — usage recording through the domain use case (recordUsage: lock, settle, idempotency,
// consumption with lineage, hash-chained entry, period and usage record) against the minimal raw SQL
// doing "the same effect" (one statement: conditional balance update plus ledger insert, through
// pg), measured in the same run on the same Postgres, at concurrency 1, 16 and 64, spread over
// 10,000 users and on one hot user.
import 'reflect-metadata';
import { Pool } from 'pg';
import { createOrm, ensureDatabase, migrate, type Orm } from '../src/db/orm';
import { recordUsage } from '../src/domain/ledger/record-usage';
import { databaseClock } from '../src/shared/clock';
import { printTable, round, runLoad, runPaired, writeSummary, type LoadResult } from './common';

const BASE_URL = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const DB = 'vp_bench_ledger';
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const DURATION_MS = Number(process.env.BENCH_SECONDS ?? 5) * 1000;
const POOL_MAX = 40; // each side; both pools open at once stay under max_connections = 100
const CONCURRENCIES = [1, 16, 64];
const ROUNDS = 4; // alternating baseline / use-case slices per cell
const GOAL = { ratio: 0.5, ratioHot: 0.3 };

async function setup(): Promise<{ orm: Orm; pool: Pool; users: string[] }> {
  const admin = new Pool({ connectionString: `${BASE_URL}/postgres`, max: 1 });
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.end();
  const url = `${BASE_URL}/${DB}`;
  await ensureDatabase(url);
  const orm = await createOrm({ databaseUrl: url, poolMax: POOL_MAX });
  await migrate(orm);
  const pool = new Pool({ connectionString: url, max: POOL_MAX });
  await pool.query(`
    insert into users (email) select 'bench-' || g || '@example.com' from generate_series(1, ${USERS}) g;
    insert into credit_balances (user_id) select id from users;
    select vp_grant(id, 'BONUS', 100000000, null, null, 'bench-seed', 'bench-seed', 'benchmark credit', null, null, null)
      from users;
    create table bench_balances (user_id uuid primary key, balance_seconds bigint not null check (balance_seconds >= 0));
    create table bench_ledger (id bigint generated always as identity primary key, user_id uuid not null,
      amount_seconds bigint not null, balance_after_seconds bigint not null, idempotency_key text not null,
      created_at timestamptz not null default now(), unique (user_id, idempotency_key));
    insert into bench_balances select id, 100000000 from users;
  `);
  await pool.query('vacuum analyze');
  const { rows } = await pool.query<{ id: string }>('select id from users order by id');
  return { orm, pool, users: rows.map((r) => r.id) };
}

const BASELINE_SQL = `
  with b as (
    update bench_balances set balance_seconds = balance_seconds - $2
     where user_id = $1 and balance_seconds >= $2 returning balance_seconds)
  insert into bench_ledger (user_id, amount_seconds, balance_after_seconds, idempotency_key)
  select $1, -$2, balance_seconds, $3 from b returning id`;

async function main(): Promise<void> {
  console.log(`bench:ledger — ${USERS} users, ${DURATION_MS / 1000} s per side and cell in ${ROUNDS} alternating rounds, pools of ${POOL_MAX}`);
  const { orm, pool, users } = await setup();
  const hot = users[0]!;
  let seq = 0;
  const useCase = (userOf: (i: number) => string) => async (_w: number, i: number) => {
    const r = await recordUsage(
      { em: orm.em.fork(), clock: databaseClock },
      {
        userId: userOf(i),
        seconds: 1,
        idempotencyKey: `b-${process.pid}-${seq++}`,
      },
    );
    return r.ok;
  };
  const baseline = (userOf: (i: number) => string) => async (_w: number, i: number) => {
    const r = await pool.query(BASELINE_SQL, [userOf(i), 1, `b-${process.pid}-${seq++}`]);
    return r.rowCount === 1;
  };
  const spread = (i: number) => users[(i * 7919) % users.length]!;
  const hotUser = () => hot;

  // warm both paths (plans cached in every connection)
  await runLoad(1500, 16, useCase(spread));
  await runLoad(1500, 16, baseline(spread));

  const cells: { users: string; concurrency: number; useCase: LoadResult; baseline: LoadResult; ratio: number }[] = [];
  for (const [label, userOf] of [
    ['spread', spread],
    ['hot', hotUser],
  ] as const) {
    for (const c of CONCURRENCIES) {
      const { candidate: u, baseline: b } = await runPaired(DURATION_MS, ROUNDS, c, useCase(userOf), baseline(userOf));
      cells.push({ users: label, concurrency: c, useCase: u, baseline: b, ratio: round(u.opsPerSecond / b.opsPerSecond, 2) });
    }
  }
  printTable(
    ['users', 'conc', 'use case ops/s', 'p50 ms', 'p99 ms', 'node µs/op', 'baseline ops/s', 'p50 ms', 'p99 ms', 'node µs/op', 'ratio', 'errors'],
    cells.map((c) => [
      c.users,
      c.concurrency,
      c.useCase.opsPerSecond,
      c.useCase.p50Ms,
      c.useCase.p99Ms,
      c.useCase.nodeCpuUsPerOp,
      c.baseline.opsPerSecond,
      c.baseline.p50Ms,
      c.baseline.p99Ms,
      c.baseline.nodeCpuUsPerOp,
      c.ratio,
      c.useCase.errors + c.baseline.errors,
    ]),
  );
  const at = (users: string, c: number) => cells.find((x) => x.users === users && x.concurrency === c)!;
  const ratio = at('spread', 16).ratio;
  const ratioHot = at('hot', 16).ratio;
  console.log(`\nratio (c16, spread) ${ratio} — goal ≥ ${GOAL.ratio}; ratioHot (c16, one user) ${ratioHot} — goal ≥ ${GOAL.ratioHot}`);
  await pool.end();
  await orm.close(true);
  writeSummary('ledger', {
    ratio,
    ratioHot,
    goal: GOAL,
    met: ratio >= GOAL.ratio && ratioHot >= GOAL.ratioHot,
    baseline: 'one SQL statement through pg: conditional balance update + ledger insert',
    users: USERS,
    secondsPerCell: DURATION_MS / 1000,
    cells: cells.map((c) => ({
      users: c.users,
      concurrency: c.concurrency,
      ratio: c.ratio,
      useCaseOpsPerSecond: c.useCase.opsPerSecond,
      useCaseP50Ms: c.useCase.p50Ms,
      useCaseP99Ms: c.useCase.p99Ms,
      baselineOpsPerSecond: c.baseline.opsPerSecond,
      baselineP50Ms: c.baseline.p50Ms,
      baselineP99Ms: c.baseline.p99Ms,
    })),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
