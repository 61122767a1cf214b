// npm run demo — the whole product in one command, explained as it goes: a fresh database
// (vp_demo), the service (API and workers in this process) with the fake Stripe, a customer who buys
// Business through the checkout flow, calls with holds, the balance changing live over a
// subscription, a month of traffic into overage, and finally the ledger and the overage preview.
// Needs Postgres and Redis as for `npm start`; exits 0 and leaves vp_demo behind to look at.
// `npm run demo -- --open`: the same story on PORT (default 4000), then everything keeps running
// (API, workers, fake Stripe) and the URLs and tokens to open and paste are printed, until Ctrl-C.
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { startService, type RunningService } from '../app/service';
import { signToken } from '../auth/token-cli';
import { ConfigError, loadConfigWith, type Config } from '../config/env';
import { ensureDatabase, pgSsl, withoutTlsParams } from '../db/orm';
import { verifyLedger } from '../domain/ledger/verify-ledger';
import { createLogger } from '../observability/logger';
import { startFakeStripe, type FakeStripe } from './fake-stripe';

const DEMO_DB = 'vp_demo';
const QUEUE_PREFIX = 'vp-demo';
const WAIT_MS = 20_000;
/** --open: everything stays up for a person to click through. */
const OPEN = process.argv.includes('--open');
const OPEN_TOKEN_TTL_SECONDS = 12 * 3600;

// ---- output --------------------------------------------------------------------------------------

const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
let stepNo = 0;
const step = (title: string, why: string) => console.log(`\n${bold(`${++stepNo}. ${title}`)}\n${dim(why)}`);
const say = (s: string) => console.log(`   ${s}`);
const min = (seconds: number) => `${seconds < 0 ? '-' : ''}${Math.floor(Math.abs(seconds) / 60)}:${String(Math.abs(seconds) % 60).padStart(2, '0')} min`;
const eur = (cents: number) => `${(cents / 100).toFixed(2)} €`;

// ---- a small GraphQL client ----------------------------------------------------------------------

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function graphql(url: string) {
  return async (token: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data?: Data; errors?: unknown[] };
    if (body.errors?.length) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
    for (const v of Object.values(body.data ?? {})) {
      if ((v as { userErrors?: unknown[] } | null)?.userErrors?.length) throw new Error(`userErrors: ${JSON.stringify(v)}`);
    }
    return body.data!;
  };
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---- setup ---------------------------------------------------------------------------------------

/** vp_demo on the server of DATABASE_URL, dropped and created again. */
async function freshDatabase(base: Config): Promise<string> {
  const url = new URL(base.databaseUrl);
  url.pathname = `/${DEMO_DB}`;
  const admin = new URL(withoutTlsParams(base.databaseUrl));
  admin.pathname = '/postgres';
  const client = new PgClient({ connectionString: admin.toString(), ssl: pgSsl(base.databaseTls), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`drop database if exists ${DEMO_DB} with (force)`);
  } finally {
    await client.end();
  }
  await ensureDatabase(url.toString(), base.databaseTls);
  return url.toString();
}

/** The demo's queues start empty: last run's jobs and schedulers go. */
async function freshQueues(config: Config): Promise<void> {
  const redis = new Redis(config.redisUrl, { ...(config.redisTls ? { tls: config.redisTls } : {}), maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${QUEUE_PREFIX}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

// ---- the story -----------------------------------------------------------------------------------

interface Live {
  client: Client;
  balances: { balanceSeconds: number; availableSeconds: number; reservedSeconds: number; version: number }[];
  alerts: string[];
  quiet: boolean;
}

function watch(wsUrl: string, token: string): Live {
  const live: Live = {
    client: createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
    }),
    balances: [],
    alerts: [],
    quiet: false,
  };
  live.client.subscribe(
    { query: 'subscription { balanceChanged { balanceSeconds reservedSeconds availableSeconds version } }' },
    {
      next: (m) => {
        const b = (m.data as Data).balanceChanged;
        live.balances.push(b);
        if (!live.quiet)
          say(`⚡ live: balance ${min(b.balanceSeconds)}, on hold ${min(b.reservedSeconds)}, available ${min(b.availableSeconds)} (version ${b.version})`);
      },
      error: (e) => console.error('   live balance stream failed:', e),
      complete: () => undefined,
    },
  );
  live.client.subscribe(
    { query: 'subscription { usageAlert { kind usedSeconds includedSeconds overageSeconds } }' },
    {
      next: (m) => {
        const a = (m.data as Data).usageAlert;
        live.alerts.push(a.kind);
        say(`🔔 live alert: ${a.kind} — ${min(a.usedSeconds)} of ${min(a.includedSeconds)} used, overage ${min(a.overageSeconds)}`);
      },
      error: (e) => console.error('   live alert stream failed:', e),
      complete: () => undefined,
    },
  );
  return live;
}

async function run(): Promise<void> {
  const base = loadConfigWith({});
  console.log(bold('VoicePartnerAI Billing — the demo'));
  console.log(dim('Everything below runs against real Postgres and Redis; only Stripe is a local fake that the real SDK talks to.'));

  step(
    'A fresh database and the service',
    `Database "${DEMO_DB}" is dropped and created, migrations applied, plans seeded. The API (GraphQL, WebSockets, the Stripe webhook) and the workers (BullMQ) run in this process.`,
  );
  const databaseUrl = await freshDatabase(base);
  const webhookSecret = `whsec_demo_${randomBytes(12).toString('hex')}`;
  const fake: FakeStripe = await startFakeStripe({ webhookSecret });
  const config = loadConfigWith({
    DATABASE_URL: databaseUrl,
    PORT: OPEN ? (process.env.PORT ?? '4000') : '0',
    HOST: '127.0.0.1',
    QUEUE_PREFIX,
    LOG_LEVEL: 'warn',
    SWEEP_INTERVAL_MS: '1000',
    STRIPE_SECRET_KEY: 'sk_test_demo',
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    STRIPE_API_URL: fake.url,
    STRIPE_PRICE_STARTER: 'price_starter',
    STRIPE_PRICE_BUSINESS: 'price_business',
    STRIPE_PRICE_ENTERPRISE: 'price_enterprise',
  });
  await freshQueues(config);
  let service: RunningService | null = null;
  let live: Live | null = null;
  try {
    service = await startService(config, createLogger(config.logLevel), 'all');
    const http = `http://127.0.0.1:${service.port}`;
    fake.webhookUrl = `${http}/webhooks/stripe`;
    const gql = graphql(`${http}/graphql`);
    say(`service at ${http} (GraphQL at /graphql, health at /healthz and /readyz, metrics at /metrics, queues at /admin/queues)`);
    say(`fake Stripe at ${fake.url}; it signs webhooks with the endpoint's secret and posts them to ${fake.webhookUrl}`);

    const secret = config.jwtSecret!;
    const admin = await signToken(secret, randomUUID(), 'ADMIN', 3600);
    const voiceEngine = await signToken(secret, randomUUID(), 'SERVICE', 3600);
    const plans = (await gql(admin, '{ plans { code name priceCents includedSeconds overageCentsPerMinute } }')).plans as Data[];
    for (const p of plans)
      say(
        `plan ${p.name.padEnd(10)} ${eur(p.priceCents).padStart(9)}/month, ${min(p.includedSeconds).padStart(12)} included, overage ${p.overageCentsPerMinute} c/min`,
      );

    step('A customer', 'An ADMIN creates the user; the customer then acts with a token of their own (role USER).');
    const created = await gql(admin, 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id email } userErrors { code } } }', {
      i: { email: 'anna@example.com' },
    });
    const userId = created.createUser.user.id as string;
    const anna = await signToken(secret, userId, 'USER', 3600);
    say(`anna@example.com is user ${userId}`);

    step(
      'Watching the balance live',
      'The customer subscribes over graphql-ws (WebSocket) to balanceChanged and usageAlert. Every committed change is published through Redis by whichever process made it; lines marked ⚡ and 🔔 arrive that way.',
    );
    live = watch(`ws://127.0.0.1:${service.port}/graphql`, anna);
    await until('the subscription', () => (service!.websockets?.stats().subscriptions ?? 0) >= 2);
    say('subscribed');

    step(
      'Buying Business through Stripe Checkout',
      "createCheckoutSession makes the Stripe customer (once) and a hosted checkout; paying it grants nothing by itself. Stripe then sends signed webhooks: each is verified on the raw body, stored once by its id, answered 200, and processed by a worker. invoice.paid grants the period's 800 minutes, once per period whatever Stripe repeats.",
    );
    const checkout = await gql(anna, 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId url userErrors { code } } }', {
      i: { plan: 'BUSINESS', successUrl: 'https://app.example.com/welcome', cancelUrl: 'https://app.example.com/plans' },
    });
    say(`checkout: ${checkout.createCheckoutSession.url}`);
    say("… the customer pays on Stripe's page (the fake completes the session) …");
    const events = await fake.completeCheckout(checkout.createCheckoutSession.sessionId);
    for (const e of events) say(`webhook ${e.type} (${e.id}) → 200`);
    await until('800 minutes granted', () => live!.balances.some((b) => b.balanceSeconds === 48_000));
    const stored = (await gql(admin, '{ webhookEvents(first: 10) { type status attempts } }')).webhookEvents as Data[];
    for (const e of stored.reverse()) say(`stored event ${e.type.padEnd(30)} ${e.status} (attempts ${e.attempts})`);
    const me = (await gql(anna, '{ me { membership { status plan { name } currentPeriodEnd overageLimitCents } } }')).me;
    say(`membership: ${me.membership.plan.name} ${me.membership.status} until ${me.membership.currentPeriodEnd.slice(0, 10)}`);

    step(
      'Calls with holds',
      'When a call starts the voice engine (a SERVICE token) holds seconds; a long call extends its hold; when the call ends it commits the seconds used and the rest of the hold goes back. A hold that would outrun credits plus the overage allowance is refused before the call starts.',
    );
    // each change's live line before the next step, so the story reads in order
    const seenLive = (version: number) => until(`version ${version} live`, () => live!.balances.some((x) => x.version >= version));
    const calls = [
      { name: 'call 1', holdSeconds: 300, extendSeconds: 0, usedSeconds: 187 },
      { name: 'call 2', holdSeconds: 300, extendSeconds: 300, usedSeconds: 522 },
      { name: 'call 3', holdSeconds: 300, extendSeconds: 0, usedSeconds: 41 },
    ];
    for (const c of calls) {
      const key = `demo-${c.name.replace(' ', '-')}`;
      say(`${bold(c.name)}: hold ${min(c.holdSeconds)}`);
      const held = await gql(
        voiceEngine,
        'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { reservation { id expiresAt } balance { version } userErrors { code } } }',
        { i: { userId, seconds: c.holdSeconds, idempotencyKey: `${key}-hold` } },
      );
      const reservationId = held.reserveCredits.reservation.id as string;
      await seenLive(held.reserveCredits.balance.version);
      if (c.extendSeconds) {
        say(`${c.name} runs long: extend the hold by ${min(c.extendSeconds)}`);
        const extended = await gql(
          voiceEngine,
          'mutation($i: ExtendReservationInput!) { extendReservation(input: $i) { reservation { reservedSeconds } balance { version } userErrors { code } } }',
          { i: { reservationId, seconds: c.extendSeconds, idempotencyKey: `${key}-extend` } },
        );
        await seenLive(extended.extendReservation.balance.version);
      }
      const committed = await gql(
        voiceEngine,
        'mutation($i: CommitReservationInput!) { commitReservation(input: $i) { billedSeconds balance { balanceSeconds availableSeconds version } userErrors { code } } }',
        { i: { reservationId, usedSeconds: c.usedSeconds } },
      );
      say(
        `${c.name} ended after ${min(c.usedSeconds)}: billed ${min(committed.commitReservation.billedSeconds)}, balance ${min(committed.commitReservation.balance.balanceSeconds)}`,
      );
      await seenLive(committed.commitReservation.balance.version);
    }

    step(
      'The rest of the month',
      "The voice engine records 62 finished 13-minute calls (recordUsage: one atomic check-and-deduct each). Credits go first; past the 800 included minutes the rest becomes overage, capped by the membership's overage limit. Alerts fire once each at 50, 80 and 100 % and when overage starts.",
    );
    live.quiet = true;
    const seen = live.balances.length;
    for (let i = 1; i <= 62; i++) {
      await gql(voiceEngine, 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { billedSeconds userErrors { code } } }', {
        i: { userId, seconds: 780, idempotencyKey: `demo-month-${i}`, callId: `month-${i}` },
      });
    }
    await until('the last live balance', () => live!.balances.length >= seen + 62);
    await until('the overage alert', () => live!.alerts.includes('OVERAGE_STARTED'));
    const last = live.balances.at(-1)!;
    say(`${live.balances.length - seen} live balance updates received; the last: balance ${min(last.balanceSeconds)}`);

    step(
      'The ledger',
      'Every change of credits is an entry with a gapless per-user sequence and a SHA-256 hash chained to the previous one; the database refuses to update or delete entries. verifyLedger recomputes the chain and checks every invariant.',
    );
    const tx = (
      await gql(anna, '{ transactions(first: 100) { totalCount edges { node { sequence type amountSeconds balanceAfterSeconds description hash } } } }')
    ).transactions;
    const rows = (tx.edges as Data[]).map((e) => e.node).sort((a, b) => a.sequence - b.sequence);
    const shown = rows.length > 10 ? [...rows.slice(0, 6), null, ...rows.slice(-3)] : rows;
    say(`${'seq'.padStart(4)}  ${'type'.padEnd(12)} ${'amount'.padStart(14)} ${'balance after'.padStart(14)}  hash`);
    for (const r of shown) {
      if (!r) {
        say(`   …  (${rows.length - 9} more usage entries)`);
        continue;
      }
      say(
        `${String(r.sequence).padStart(4)}  ${r.type.padEnd(12)} ${min(r.amountSeconds).padStart(14)} ${min(r.balanceAfterSeconds).padStart(14)}  ${r.hash.slice(0, 16)}…  ${r.description ?? ''}`,
      );
    }
    const report = await verifyLedger({ em: service.orm.em.fork() }, userId);
    say(
      `${report.ok ? '✔' : '✘'} ledger verified: ${report.entriesChecked} entries, balance ${min(report.balanceSeconds)}${report.ok ? ', hash chain intact' : `: ${JSON.stringify(report.problems)}`}`,
    );
    if (!report.ok) throw new Error('the ledger did not verify');

    step(
      'The overage preview',
      'What the period will cost beyond the plan if it ended now: overage seconds × the plan rate, rounded half up to the cent, never above the limit. It is fixed when the period closes and added to the renewal invoice (as a Stripe invoice item) when Stripe drafts it.',
    );
    const b = await gql(
      anna,
      '{ balance { balanceSeconds periodIncludedSeconds periodUsedSeconds periodOverageSeconds periodOverageCents } me { membership { overageLimitCents currentPeriodEnd plan { name priceCents overageCentsPerMinute } } } }',
    );
    const m = b.me.membership;
    say(`used this period   ${min(b.balance.periodUsedSeconds)} of ${min(b.balance.periodIncludedSeconds)} included`);
    say(
      `overage so far    ${min(b.balance.periodOverageSeconds)} × ${m.plan.overageCentsPerMinute} c/min = ${eur(b.balance.periodOverageCents)} (limit ${eur(m.overageLimitCents)} per period)`,
    );
    say(
      `next invoice      ${eur(m.plan.priceCents)} ${m.plan.name} + ${eur(b.balance.periodOverageCents)} overage, drafted around ${m.currentPeriodEnd.slice(0, 10)}`,
    );
    if (OPEN) {
      live.quiet = false;
      await stayOpen({ http, fake, gql, secret, userId, base });
    }
  } finally {
    step('Stopping', 'In order, as on SIGTERM: the subscription closes, HTTP and WebSockets drain, workers finish their jobs, then Redis and Postgres close.');
    await live?.client.dispose();
    await service?.stop();
    await fake.close();
    say(`stopped. The demo's database "${DEMO_DB}" stays for a look: psql ${databaseUrlForHumans(base)}`);
  }
}

/** --open: an ADMIN who exists, the URLs and tokens a person needs, and a wait for Ctrl-C. */
async function stayOpen(o: { http: string; fake: FakeStripe; gql: ReturnType<typeof graphql>; secret: string; userId: string; base: Config }): Promise<void> {
  step('Open for you', "Everything keeps running: the API, the workers and the fake Stripe. Live changes of the customer's balance print here as they happen.");
  const bootstrap = await signToken(o.secret, randomUUID(), 'ADMIN', 600);
  const created = await o.gql(bootstrap, 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }', {
    i: { email: 'admin@example.com', role: 'ADMIN' },
  });
  const adminId = created.createUser.user.id as string;
  const userToken = await signToken(o.secret, o.userId, 'USER', OPEN_TOKEN_TTL_SECONDS);
  const adminToken = await signToken(o.secret, adminId, 'ADMIN', OPEN_TOKEN_TTL_SECONDS);
  const hours = OPEN_TOKEN_TTL_SECONDS / 3600;
  say(`${bold('open')}`);
  say(`  dashboard        ${o.http}/app`);
  say(`  explorer         ${o.http}/explorer`);
  say(`  GraphQL          ${o.http}/graphql  (POST; subscriptions: ws://${o.http.slice('http://'.length)}/graphql)`);
  say(`  queue dashboard  ${o.http}/admin/queues?token=<the ADMIN token>`);
  say(`  health, metrics  ${o.http}/readyz  ${o.http}/metrics`);
  say(`  fake Stripe      ${o.fake.url}`);
  say(`${bold('paste')} (valid ${hours} h; more with DATABASE_URL=${databaseUrlForHumans(o.base)} npm run token -- --user <id> --role USER|ADMIN)`);
  say(`  USER  anna@example.com (${o.userId}):`);
  say(`  ${userToken}`);
  say(`  ADMIN admin@example.com (${adminId}):`);
  say(`  ${adminToken}`);
  say(dim('Ctrl-C stops everything in order (a second Ctrl-C at once).'));
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function databaseUrlForHumans(base: Config): string {
  const u = new URL(withoutTlsParams(base.databaseUrl));
  u.pathname = `/${DEMO_DB}`;
  u.password = '';
  return u.toString();
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(`configuration error: ${err.message}`);
    else console.error('\ndemo failed:', err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
