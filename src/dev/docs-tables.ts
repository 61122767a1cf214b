// The configuration and error-code tables of docs/ are generated from the code, not written by hand:
// the variables are the ones src/config/env.ts reads (found by reading them through a recording
// proxy), whole-number defaults and bounds come from its int(...) calls, the error codes, their
// check group and message from src/shared/errors.ts. Only the prose (unit, meaning) lives here.
// `npm run docs:tables` rewrites the marked blocks; test/unit/docs-tables.test.ts fails when stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../config/env';
import { ERROR_CODES, type ErrorCode, fail } from '../shared/errors';

export interface EnvDoc {
  /** The variables of this row (usually one). */
  names: string[];
  /** The default as text, for variables that are not whole numbers (those come from env.ts). */
  default?: string;
  unit: string;
  meaning: string;
}

/** One row per variable the service reads, in the order operators look for them. */
export const ENV_DOCS: EnvDoc[] = [
  {
    names: ['NODE_ENV'],
    default: '`development`',
    unit: 'development, test, production',
    meaning:
      '`production`: introspection and database creation off by default, a real `JWT_SECRET` or `JWT_JWKS_URL` required, `CLOCK=shared` refused; `test`: logs silent',
  },
  { names: ['PORT'], unit: 'TCP port (0 = any free)', meaning: 'HTTP port' },
  { names: ['HOST'], default: '`0.0.0.0`', unit: 'address', meaning: 'where to listen' },
  {
    names: ['DATABASE_URL'],
    default: '`postgresql://postgres@127.0.0.1:5432/voicepartnerai_billing`',
    unit: 'URL; `?sslmode=` `disable` (default), `require`, `verify-ca`, `verify-full`',
    meaning: "Postgres; `sslmode` has libpq's meanings (`prefer`/`allow` are refused: they fall back to plain text)",
  },
  {
    names: ['DATABASE_SSL_CA'],
    default: '— (system CAs)',
    unit: 'path to a PEM file',
    meaning: "CA of the Postgres server's certificate; alone it means `verify-full`",
  },
  { names: ['DATABASE_CREATE'], default: '`true`, `false` in production', unit: 'boolean', meaning: 'create the database when missing' },
  { names: ['DATABASE_POOL_MAX'], unit: 'connections', meaning: 'pool size per process' },
  {
    names: ['REDIS_URL'],
    default: '`redis://127.0.0.1:6379`',
    unit: 'URL (`rediss://` for TLS)',
    meaning: 'Redis: commands, queues, workers, live updates',
  },
  {
    names: ['REDIS_TLS_CA'],
    default: '— (system CAs)',
    unit: 'path to a PEM file',
    meaning: "CA of the Redis server's certificate (needs `rediss://`)",
  },
  { names: ['LOG_LEVEL'], default: '`info` (`silent` in tests)', unit: 'pino level', meaning: 'JSON logs on stdout' },
  { names: ['HOLD_TTL_SECONDS_DEFAULT'], unit: 'seconds', meaning: 'TTL of a hold when the caller gives none' },
  {
    names: ['COGS_CENTS_PER_MINUTE'],
    unit: 'cents per minute',
    meaning: 'cost of goods (LLM 8 + speech 4 + infra 2), for unit economics',
  },
  { names: ['PURCHASE_EXPIRY_DAYS'], unit: 'days', meaning: 'lifetime of a paid top-up' },
  {
    names: ['JWT_SECRET'],
    default: 'a development default (refused in production)',
    unit: '≥ 32 characters',
    meaning: 'HS256 key for bearer tokens',
  },
  { names: ['JWT_JWKS_URL'], default: '—', unit: 'URL', meaning: 'JWKS of an identity provider, for RS256/ES256 tokens' },
  {
    names: ['JWT_ISSUER', 'JWT_AUDIENCE'],
    default: '—',
    unit: 'strings',
    meaning: 'checked when set (both required with `JWT_JWKS_URL` in production)',
  },
  {
    names: ['RATE_LIMIT_PER_MINUTE'],
    unit: 'requests per minute, per address and per principal',
    meaning:
      'per address before authentication, per principal after; decided in memory, synced through Redis every 100 ms (over N processes at most the limit + N × ⌊limit / 100⌋), each process limiting alone while Redis is down',
  },
  { names: ['GRAPHQL_INTROSPECTION'], default: '`true`, `false` in production', unit: 'boolean', meaning: 'schema introspection' },
  {
    names: ['EXPLORER_ENABLED'],
    default: '`true`, `false` in production',
    unit: 'boolean',
    meaning: 'the GraphiQL explorer at `/explorer` (bundled, works offline; in production it also needs `GRAPHQL_INTROSPECTION=true`)',
  },
  {
    names: ['WEB_DIST_DIR'],
    default: '`dist-web/` in the checkout',
    unit: 'path',
    meaning: 'the built web app (`npm run build:web`) served at `/app` and `/explorer`',
  },
  {
    names: ['SWEEP_INTERVAL_MS'],
    unit: 'milliseconds',
    meaning:
      'period of the job schedulers that settle expired holds and grants, close ended periods (and bill final ones), refresh the analytics rollups, and re-enqueue stored webhooks and pending erasures (these two at most once a second)',
  },
  {
    names: ['API_PROCESSES'],
    default: 'the number of cores; `1` under `NODE_ENV=test`',
    unit: 'processes',
    meaning:
      '`api` and `all` (`npm run api`, `npm start`): processes serving the HTTP port through `node:cluster`, restarted when one dies; with `all` the first also runs the jobs. `1`: no cluster',
  },
  {
    names: ['USAGE_BATCHES_IN_FLIGHT'],
    unit: 'statements',
    meaning:
      "`recordUsage` statements one process has out at once; calls that arrive meanwhile go together in the next statement (group commit, at most 32 calls, each with its own outcome). Raise it with the database's cores",
  },
  {
    names: ['RECONCILE_INTERVAL_MS'],
    unit: 'milliseconds',
    meaning: 'period of the reconciliation against Stripe (with Stripe configured)',
  },
  {
    names: ['LEDGER_VERIFY_INTERVAL_MS'],
    unit: 'milliseconds',
    meaning: "period of the job that verifies every user's ledger (invariants, hash chain); drift → audit entry, error log, `vp_ledger_drift_users`",
  },
  {
    names: ['WEBHOOK_JOB_LOCK_MS'],
    unit: 'milliseconds',
    meaning: 'after this, a job whose worker died is taken up by another',
  },
  { names: ['WEBHOOK_WORKER_CONCURRENCY'], unit: 'jobs', meaning: 'Stripe events one worker process handles at once' },
  {
    names: ['QUEUE_PREFIX'],
    default: '`vp-<database name>`',
    unit: 'string',
    meaning: "prefix of the job queues' Redis keys (installations sharing a Redis stay apart)",
  },
  {
    names: ['WORKER_PORT'],
    unit: 'TCP port (0 = any free)',
    meaning: "a worker process's `/healthz`, `/readyz` and `/metrics` (the API serves them on `PORT`)",
  },
  {
    names: ['METRICS_TOKEN'],
    default: '— (open)',
    unit: '≥ 16 characters',
    meaning: 'when set, `/metrics` wants `Authorization: Bearer <token>`',
  },
  {
    names: ['SHUTDOWN_DELAY_MS'],
    unit: 'milliseconds',
    meaning:
      'after SIGTERM/SIGINT the API keeps answering this long (readiness 503, each answer closes its connection) before it stops accepting; raise it to the time your load balancer needs to stop sending',
  },
  {
    names: ['SHUTDOWN_GRACE_MS'],
    unit: 'milliseconds',
    meaning: "the whole orderly stop must end within this, or the process exits 1; keep it below the orchestrator's kill timeout (compose: 30 s)",
  },
  {
    names: ['CLOCK'],
    default: '`database`',
    unit: '`database`, `shared`',
    meaning:
      "where business time comes from: the database (always in production), or the lifecycle simulator's clock in Redis (`shared`, refused when `NODE_ENV=production`; see [the simulator](testing.md#lifecycle-simulator))",
  },
  {
    names: ['STRIPE_SECRET_KEY'],
    default: '— (Stripe off)',
    unit: '`sk_…`',
    meaning: 'turns Stripe on; without it Stripe operations answer `STRIPE_NOT_CONFIGURED`',
  },
  {
    names: ['STRIPE_WEBHOOK_SECRET'],
    default: '—',
    unit: '`whsec_…`',
    meaning: 'signing secret of the webhook endpoint (required with the key)',
  },
  {
    names: ['STRIPE_API_URL'],
    default: '`https://api.stripe.com`',
    unit: 'URL',
    meaning: 'the fake server offline (`npm run stripe:fake`)',
  },
  {
    names: ['STRIPE_PRICE_STARTER', 'STRIPE_PRICE_BUSINESS', 'STRIPE_PRICE_ENTERPRISE'],
    default: '—',
    unit: '`price_…`',
    meaning: 'the monthly price of each plan (required with the key)',
  },
];

/** The repository root: the nearest folder above this file with a package.json (from src/ or dist/src/). */
function repoRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'docs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${from}`);
    dir = up;
  }
  return dir;
}

const ROOT = repoRoot();
const ENV_SOURCE = join(ROOT, 'src', 'config', 'env.ts');
const ERRORS_SOURCE = join(ROOT, 'src', 'shared', 'errors.ts');

/** Every variable loadConfig reads, found by running it on recording environments (all branches). */
export function variablesReadByConfig(): string[] {
  const seen = new Set<string>();
  const record = (values: Record<string, string>) =>
    new Proxy(values, {
      get(target, key) {
        if (typeof key === 'string') seen.add(key);
        return target[key as string];
      },
    });
  loadConfig(record({}));
  loadConfig(
    record({
      STRIPE_SECRET_KEY: 'sk_test_docs',
      STRIPE_WEBHOOK_SECRET: 'whsec_docs',
      STRIPE_PRICE_STARTER: 'price_s',
      STRIPE_PRICE_BUSINESS: 'price_b',
      STRIPE_PRICE_ENTERPRISE: 'price_e',
      JWT_JWKS_URL: 'https://idp.example/jwks',
    }),
  );
  return [...seen].sort();
}

export interface IntBounds {
  default: number;
  min: number;
  max: number;
}

/** The whole-number variables with their default and bounds, read from the int(...) calls of env.ts. */
export function intVariables(source = readFileSync(ENV_SOURCE, 'utf8')): Map<string, IntBounds> {
  const out = new Map<string, IntBounds>();
  const call = /\bint\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'\s*,([^,()]+),([^,()]+),([^,()]+)\)/g;
  const num = (expr: string): number => {
    if (!/^[\d_\s*+-]+$/.test(expr)) throw new Error(`env.ts: cannot read the number "${expr.trim()}"`);
    return Function(`"use strict"; return (${expr});`)() as number;
  };
  for (const m of source.matchAll(call)) out.set(m[1], { default: num(m[2]), min: num(m[3]), max: num(m[4]) });
  return out;
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function renderEnvTable(): string {
  const ints = intVariables();
  const read = new Set(variablesReadByConfig());
  const documented = ENV_DOCS.flatMap((d) => d.names);
  const missing = [...read].filter((n) => !documented.includes(n));
  const extra = documented.filter((n) => !read.has(n));
  if (missing.length || extra.length) {
    throw new Error(
      `docs tables: src/config/env.ts reads ${missing.join(', ') || 'nothing new'} without a row in ENV_DOCS` +
        `${extra.length ? `; ENV_DOCS has ${extra.join(', ')}, which env.ts does not read` : ''} (src/dev/docs-tables.ts)`,
    );
  }
  const lines = ['| variable | default | unit / values | meaning |', '| --- | --- | --- | --- |'];
  for (const d of ENV_DOCS) {
    const bounds = d.names.length === 1 ? ints.get(d.names[0]) : undefined;
    if (!bounds && d.default === undefined) throw new Error(`docs tables: ${d.names.join(', ')} needs a default text`);
    const def = bounds ? `\`${bounds.default}\`` : (d.default as string);
    const unit = bounds ? `${d.unit}, ${bounds.min}–${bounds.max}` : d.unit;
    lines.push(`| ${d.names.map((n) => `\`${n}\``).join(', ')} | ${esc(def)} | ${esc(unit)} | ${esc(d.meaning)} |`);
  }
  return lines.join('\n');
}

/** The check groups of errors.ts, from its `// group` comments, in order. */
export function errorGroups(source = readFileSync(ERRORS_SOURCE, 'utf8')): Map<ErrorCode, string> {
  const out = new Map<ErrorCode, string>();
  const body = source.slice(source.indexOf('export const ErrorCode'), source.indexOf('} as const'));
  let group = '';
  for (const line of body.split('\n')) {
    const comment = /^\s*\/\/\s*(.+?)\s*$/.exec(line);
    if (comment) group = comment[1];
    const entry = /^\s*([A-Z][A-Z0-9_]*)\s*:/.exec(line);
    if (entry) out.set(entry[1] as ErrorCode, group);
  }
  return out;
}

export function renderErrorTable(): string {
  const groups = errorGroups();
  const lines = ['| code | checked as | message |', '| --- | --- | --- |'];
  for (const code of ERROR_CODES) lines.push(`| \`${code}\` | ${esc(groups.get(code) ?? '')} | ${esc(fail(code).error.message)} |`);
  return lines.join('\n');
}

export interface GeneratedBlock {
  /** Path under the repository root. */
  file: string;
  marker: string;
  render: () => string;
}

export const BLOCKS: GeneratedBlock[] = [
  { file: 'docs/operations.md', marker: 'env-table', render: renderEnvTable },
  { file: 'docs/api.md', marker: 'error-codes', render: renderErrorTable },
];

/** The text of `file` with the block between `<!-- marker:start -->` and `<!-- marker:end -->` regenerated. */
export function withBlock(text: string, marker: string, body: string, file = 'the file'): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${file} has no block ${start} … ${end}`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/** The text between a block's markers (null when the markers are missing). */
export function blockBody(text: string, marker: string): string | null {
  const start = `<!-- ${marker}:start -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(`<!-- ${marker}:end -->`);
  return i < 0 || j < i ? null : text.slice(i + start.length, j);
}

/**
 * A markdown table as its rows of trimmed cells, so that padding a formatter adds (prettier aligns
 * table columns) does not count as a difference; any change of a cell's text does.
 */
export function tableCells(table: string): string[][] {
  return table
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) =>
      l
        .replace(/^\|/, '')
        .replace(/(?<!\\)\|$/, '')
        .split(/(?<!\\)\|/)
        .map((c) => c.trim())
        .map((c) => (/^:?-+:?$/.test(c) ? '---' : c)),
    );
}

/**
 * Rewrites every generated block; answers the files that changed. A file that prettier already
 * formats as its configuration says is formatted again after the rewrite, so `prettier --check`
 * stays green; one it does not (yet) format is left as it is apart from the block.
 */
export async function writeBlocks(root = ROOT): Promise<string[]> {
  const prettier = await import('prettier');
  const changed: string[] = [];
  for (const b of BLOCKS) {
    const path = join(root, b.file);
    const before = readFileSync(path, 'utf8');
    let after = withBlock(before, b.marker, b.render(), b.file);
    const options = { ...((await prettier.resolveConfig(path)) ?? {}), filepath: path };
    if (await prettier.check(before, options)) after = await prettier.format(after, options);
    if (after !== before) {
      writeFileSync(path, after);
      changed.push(b.file);
    }
  }
  return changed;
}
