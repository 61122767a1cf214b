// bench:api — recordUsage over HTTP (GraphQL, SERVICE bearer token, rate limiter on) at 32
// connections across 10,000 users, against a trivial authenticated query (`me { id role }`) on the
// same server in the same run as the ceiling. The server runs in its own process.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { DEV_JWT_SECRET } from '../src/config/env';
import { signToken } from '../src/auth/token-cli';
import { printTable, round, waitReady, writeSummary } from './common';

const BASE_URL = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const DB = 'vp_bench_api';
const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = 32;
const PORT = Number(process.env.BENCH_PORT ?? 4587);
const GOAL = { p99MsMax: 50, ratioMin: 0.4 };

/** A fresh, empty database; the server migrates it when it starts. */
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
  `);
  await pool.query('vacuum analyze');
  const users = (await pool.query<{ id: string }>(`select id from users where role = 'USER'`)).rows.map((r) => r.id);
  const serviceId = (await pool.query<{ id: string }>(`select id from users where role = 'SERVICE'`)).rows[0]!.id;
  return { users, serviceId };
}

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: `${BASE_URL}/${DB}`,
      DATABASE_POOL_MAX: '32',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '1000000', // one SERVICE principal sends everything; the limiter still runs
      JWT_SECRET: DEV_JWT_SECRET,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitReady(PORT);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return child;
}

interface Figures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

function run(title: string, seconds: number, makeBody: () => string, token: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        title,
        url: `http://127.0.0.1:${PORT}/graphql`,
        connections: CONNECTIONS,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: makeBody() }) }],
      },
      (err, r) => {
        if (err) return reject(err);
        resolve({
          reqPerSec: round(r.requests.average, 0),
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          requests: r.requests.total,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      },
    );
  });
}

async function main(): Promise<void> {
  console.log(`bench:api — ${USERS} users, ${CONNECTIONS} connections, ${DURATION_S} s per operation`);
  await setupDatabase();
  // the server migrates its database on start; seed after that
  const server = await startServer();
  const pool = new Pool({ connectionString: `${BASE_URL}/${DB}`, max: 2 });
  try {
    const { users, serviceId } = await seed(pool);
    const token = await signToken(DEV_JWT_SECRET, serviceId, 'SERVICE', 3600);
    let n = 0;
    const usage = () =>
      JSON.stringify({
        query: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { billedSeconds balance { balanceSeconds version } userErrors { code } } }',
        variables: { i: { userId: users[(n * 7919) % users.length], seconds: 1, idempotencyKey: `api-${process.pid}-${n++}` } },
      });
    const trivial = () => JSON.stringify({ query: '{ me { id role } }' });

    await run('warm-up', 3, trivial, token);
    await run('warm-up', 3, usage, token);
    const ceiling = await run('trivial query', DURATION_S, trivial, token);
    const before = Number((await pool.query(`select count(*) as n from usage_records`)).rows[0].n);
    const rec = await run('recordUsage', DURATION_S, usage, token);
    const recorded = Number((await pool.query(`select count(*) as n from usage_records`)).rows[0].n) - before;

    printTable(
      ['operation', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'errors'],
      [
        ['recordUsage', rec.reqPerSec, rec.p50Ms, rec.p99Ms, rec.requests, rec.non2xx, rec.errors],
        ['me { id role } (ceiling)', ceiling.reqPerSec, ceiling.p50Ms, ceiling.p99Ms, ceiling.requests, ceiling.non2xx, ceiling.errors],
      ],
    );
    const ratio = round(rec.reqPerSec / ceiling.reqPerSec, 2);
    console.log(
      `\nratio ${ratio} (goal ≥ ${GOAL.ratioMin}); recordUsage p99 ${rec.p99Ms} ms (goal < ${GOAL.p99MsMax} ms); usages recorded ${recorded} of ${rec.requests} answered`,
    );
    writeSummary('api', {
      ratio,
      p99Ms: rec.p99Ms,
      goal: GOAL,
      met: ratio >= GOAL.ratioMin && rec.p99Ms < GOAL.p99MsMax,
      connections: CONNECTIONS,
      secondsPerOperation: DURATION_S,
      users: USERS,
      recordUsage: { ...rec, recorded },
      baseline: { operation: 'me { id role }', ...ceiling },
    });
  } finally {
    await pool.end();
    server.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
