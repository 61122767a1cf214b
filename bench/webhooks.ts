// bench:webhooks — 2,000 signed Stripe events (invoice.paid, each for another user) posted at 200
// per second to /webhooks/stripe of an API process, processed by a worker process: acknowledgement
// latency, and event-to-effect latency (post → the PLAN grant committed). Baseline in the same run:
// a bare HTTP endpoint that only verifies the signature and answers 200. Both sides get the same
// warm-up first (BENCH_WARM_EVENTS, default 1,000 = 5 s at the same rate, other users), so the
// figures are of a warmed-up process: JIT, pools, BullMQ scripts and the fresh tables' first
// autovacuum are behind it.
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import Stripe from 'stripe';
import { startFakeStripe } from '../src/dev/fake-stripe';
import { asDate } from '../src/shared/time';
import { percentile, printTable, round, waitReady, writeSummary } from './common';

const BASE_URL = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const DB = 'vp_bench_webhooks';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
// warm-up events (JIT, pools, BullMQ scripts, first autovacuum of the fresh tables), posted at the
// same rate before the measured ones and not measured
const WARM = Number(process.env.BENCH_WARM_EVENTS ?? 1000);
const RATE_PER_SECOND = 200;
const API_PORT = Number(process.env.BENCH_PORT ?? 4590);
const SECRET = 'whsec_bench_webhooks';
const GOAL = { ackP99MsMax: 30, effectP99MsMax: 1000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(role: 'api' | 'worker', env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js'), role], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

// node:http with keep-alive: a lighter client than fetch, so the load generator (on the same two
// cores) takes less CPU from what it measures; the baseline uses the same client
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, body: string, signature: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'stripe-signature': signature, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function postAll(url: string, bodies: string[], sdk: Stripe): Promise<{ ack: number[]; sentAt: number[]; codes: number[] }> {
  const ack: number[] = [];
  const sentAt: number[] = [];
  const codes: number[] = [];
  const started = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < bodies.length; i++) {
    const due = started + (i * 1000) / RATE_PER_SECOND;
    if (due > Date.now()) await sleep(due - Date.now());
    inflight.push(
      (async () => {
        const header = sdk.webhooks.generateTestHeaderString({ payload: bodies[i]!, secret: SECRET });
        const t0 = Date.now();
        sentAt[i] = t0;
        const status = await post(url, bodies[i]!, header);
        ack[i] = Date.now() - t0;
        codes[i] = status;
      })(),
    );
  }
  await Promise.all(inflight);
  return { ack, sentAt, codes };
}

async function main(): Promise<void> {
  console.log(`bench:webhooks — ${EVENTS} invoice.paid events at ${RATE_PER_SECOND}/s, after ${WARM} warm-up events`);
  const admin = new Pool({ connectionString: `${BASE_URL}/postgres`, max: 1 });
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.query(`create database ${DB}`);
  await admin.end();
  const fake = await startFakeStripe({ webhookSecret: SECRET });
  const env = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    DATABASE_URL: `${BASE_URL}/${DB}`,
    LOG_LEVEL: 'warn',
    // the production default (5 s) for the periodic jobs; BENCH_SWEEP_MS to see their cost (1 s: ack p99 about +10 ms)
    ...(process.env.BENCH_SWEEP_MS ? { SWEEP_INTERVAL_MS: process.env.BENCH_SWEEP_MS } : {}),
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: SECRET,
    STRIPE_API_URL: fake.url,
    STRIPE_PRICE_STARTER: 'price_starter',
    STRIPE_PRICE_BUSINESS: 'price_business',
    STRIPE_PRICE_ENTERPRISE: 'price_enterprise',
  };
  const api = start('api', { ...env, PORT: String(API_PORT) });
  const pool = new Pool({ connectionString: `${BASE_URL}/${DB}`, max: 2 });
  let worker: ChildProcess | null = null;
  const sdk = new Stripe('sk_test_bench', { telemetry: false });
  const bare = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        sdk.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers['stripe-signature']), SECRET, 300);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  try {
    await waitReady(API_PORT);
    worker = start('worker', { ...env, PORT: '0', WORKER_PORT: '0' });
    const now = Math.floor(Date.now() / 1000);
    await pool.query(`
      insert into users (email) select 'wh-' || g || '@example.com' from generate_series(1, ${EVENTS + WARM}) g;
      insert into credit_balances (user_id) select id from users;
      insert into stripe_customers (user_id, customer_id) select id, 'cus_' || replace(id::text, '-', '') from users;
      insert into memberships (user_id, plan_code, status, current_period_start, current_period_end, stripe_customer_id, stripe_subscription_id)
        select id, 'STARTER', 'ACTIVE', to_timestamp(${now}), to_timestamp(${now + 30 * 86400}), 'cus_' || replace(id::text, '-', ''),
               'sub_' || replace(id::text, '-', '') from users;`);
    const users = (await pool.query<{ id: string }>('select id from users order by id')).rows.map((r) => r.id);
    const bodies = users.map((u, i) => {
      const c = u.replace(/-/g, '');
      return JSON.stringify({
        id: `evt_bench_${i}_${now}`,
        object: 'event',
        type: 'invoice.paid',
        created: now,
        api_version: '2026-10-28.endive',
        livemode: false,
        data: {
          object: {
            id: `in_${c}`,
            object: 'invoice',
            customer: `cus_${c}`,
            status: 'paid',
            billing_reason: 'subscription_create',
            parent: { type: 'subscription_details', subscription_details: { subscription: `sub_${c}` } },
            lines: {
              object: 'list',
              data: [
                {
                  id: `il_${c}`,
                  object: 'line_item',
                  period: { start: now, end: now + 30 * 86400 },
                  pricing: { type: 'price_details', price_details: { price: 'price_starter' } },
                },
              ],
            },
          },
        },
      });
    });
    await sleep(1500); // the worker connects
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const barePort = (bare.address() as { port: number }).port;
    await postAll(`http://127.0.0.1:${barePort}/`, bodies.slice(0, WARM), sdk);
    const baseline = await postAll(`http://127.0.0.1:${barePort}/`, bodies.slice(WARM), sdk);
    await postAll(`http://127.0.0.1:${API_PORT}/webhooks/stripe`, bodies.slice(0, WARM), sdk);
    const measured = await postAll(`http://127.0.0.1:${API_PORT}/webhooks/stripe`, bodies.slice(WARM), sdk);
    const run = { ack: measured.ack, codes: measured.codes, sentAt: [...Array<number>(WARM).fill(Number.NaN), ...measured.sentAt] };
    if (process.env.BENCH_SERIES)
      writeFileSync(
        process.env.BENCH_SERIES,
        JSON.stringify({ ack: measured.ack, sentAt: measured.sentAt, baselineAck: baseline.ack, baselineSentAt: baseline.sentAt }),
      );

    const deadline = Date.now() + 60_000;
    let grants: { reference: string; created_at: string }[] = [];
    while (Date.now() < deadline) {
      grants = (await pool.query<{ reference: string; created_at: string }>(`select reference, created_at from credit_grants where source = 'PLAN'`)).rows;
      if (grants.length >= EVENTS + WARM) break;
      await sleep(200);
    }
    const grantedAt = new Map(grants.map((g) => [g.reference, asDate(g.created_at).getTime()]));
    const effect: number[] = [];
    users.forEach((u, i) => {
      const at = grantedAt.get(`sub_${u.replace(/-/g, '')}`);
      if (at !== undefined && !Number.isNaN(run.sentAt[i]!)) effect.push(at - run.sentAt[i]!);
    });
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    const ack = sorted(run.ack);
    const base = sorted(baseline.ack);
    const eff = sorted(effect);
    const non2xx = run.codes.filter((c) => c !== 200).length;
    printTable(
      ['measure', 'p50 ms', 'p99 ms', 'max ms', 'count'],
      [
        ['ack (store + enqueue)', percentile(ack, 50), percentile(ack, 99), ack.at(-1)!, ack.length],
        ['ack baseline (verify only)', percentile(base, 50), percentile(base, 99), base.at(-1)!, base.length],
        ['event to effect (grant committed)', percentile(eff, 50), percentile(eff, 99), eff.at(-1) ?? 0, eff.length],
      ],
    );
    console.log(`\nnon-2xx answers: ${non2xx}; grants: ${grants.length} of ${EVENTS + WARM} (${WARM} warm-up)`);
    const ackP99Ms = percentile(ack, 99);
    const effectP99Ms = percentile(eff, 99);
    writeSummary('webhooks', {
      ackP99Ms,
      effectP99Ms,
      ackP50Ms: percentile(ack, 50),
      effectP50Ms: percentile(eff, 50),
      baselineAckP99Ms: percentile(base, 99),
      ratio: round(ackP99Ms / Math.max(1, percentile(base, 99)), 2),
      goal: GOAL,
      met: ackP99Ms < GOAL.ackP99MsMax && effectP99Ms < GOAL.effectP99MsMax && grants.length === EVENTS + WARM && non2xx === 0,
      events: EVENTS,
      warmUpEvents: WARM,
      ratePerSecond: RATE_PER_SECOND,
      granted: grants.length,
      non2xx,
    });
  } finally {
    await pool.end();
    api.kill('SIGTERM');
    worker?.kill('SIGTERM');
    bare.close();
    await fake.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
