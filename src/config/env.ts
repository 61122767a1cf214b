// The only reader of process.env. Configuration is read once, validated and typed; the process
// refuses to start with one clear line when a variable is malformed.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export type NodeEnv = 'development' | 'test' | 'production';

export interface Config {
  nodeEnv: NodeEnv;
  /** HTTP port of the API (0 = any free port, for tests). */
  port: number;
  host: string;
  databaseUrl: string;
  /** TLS to Postgres: `sslmode` of DATABASE_URL (libpq's meanings) and the CA of DATABASE_SSL_CA. */
  databaseTls: DatabaseTls;
  /** Create the database named in DATABASE_URL when it does not exist (local convenience). */
  databaseCreate: boolean;
  databasePoolMax: number;
  redisUrl: string;
  /** TLS to Redis (a rediss:// URL), with the CA of REDIS_TLS_CA when set; null for plain redis://. */
  redisTls: RedisTls | null;
  logLevel: string;
  /** Default hold TTL when a caller gives none. */
  holdTtlSecondsDefault: number;
  /** Cost of goods per voice minute (LLM + speech + infrastructure), for unit economics. */
  cogsCentsPerMinute: number;
  /** How long PURCHASE grants (top-ups) stay valid. */
  purchaseExpiryDays: number;
  /** HS256 secret for bearer tokens (development default; required in production unless a JWKS URL is set). */
  jwtSecret: string | null;
  /** JWKS URL for RS256/ES256 bearer tokens from an identity provider. */
  jwtJwksUrl: string | null;
  jwtIssuer: string | null;
  jwtAudience: string | null;
  /** Requests per principal (user, key or address) per minute. */
  rateLimitPerMinute: number;
  /** Introspection on? Default: off in production. */
  graphqlIntrospection: boolean;
  /** The GraphiQL explorer at /explorer on? Default: off in production. */
  explorerEnabled: boolean;
  /** Where the built web app (`npm run build:web`) is served from; default dist-web/ in the checkout. */
  webDistDir: string | null;
  /** How often a worker settles expired holds and grants and closes ended periods. */
  sweepIntervalMs: number;
  /** recordUsage statements one process has out at once; calls arriving meanwhile go together in the next (group commit). */
  usageBatchesInFlight: number;
  /** `api` and `all`: how many processes serve the HTTP port (node:cluster); 1 = no cluster. */
  apiProcesses: number;
  /** How often a worker compares memberships with Stripe and repairs what missed webhooks left behind. */
  reconcileIntervalMs: number;
  /** How often a worker verifies every user's ledger (invariants and hash chain). */
  ledgerVerifyIntervalMs: number;
  /** How long a worker holds a job before others take it as stalled (its worker died). */
  webhookJobLockMs: number;
  /** Stripe events one worker process handles at once (more only contends on a small machine). */
  webhookConcurrency: number;
  /** Prefix of the job queues' Redis keys: one per database, so installations sharing a Redis stay apart. */
  queuePrefix: string;
  /** HTTP port of a worker process (health, readiness, metrics); 0 = any free port. */
  workerPort: number;
  /** When set, /metrics wants `Authorization: Bearer <token>`; otherwise it is open. */
  metricsToken: string | null;
  /** After SIGTERM/SIGINT, how long the API keeps answering (readiness 503, connections closed after each answer) before it stops accepting. */
  shutdownDelayMs: number;
  /** The whole orderly stop must end within this; otherwise the process exits 1. */
  shutdownGraceMs: number;
  /** Where business time comes from: the database (always in production), or a simulator's shared clock (CLOCK=shared). */
  clock: 'database' | 'shared';
  /** Stripe, or null: without it the service runs and Stripe operations answer STRIPE_NOT_CONFIGURED. */
  stripe: StripeConfig | null;
}

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  /** Where the Stripe API is: https://api.stripe.com, or the fake server offline. */
  apiUrl: string;
  prices: Record<'STARTER' | 'BUSINESS' | 'ENTERPRISE', string>;
}

export type PgSslMode = 'disable' | 'require' | 'verify-ca' | 'verify-full';

export interface DatabaseTls {
  mode: PgSslMode;
  /** PEM text of the CA that signed the server's certificate (null: the system's CAs). */
  ca: string | null;
}

export interface RedisTls {
  /** PEM text of the CA that signed the server's certificate (absent: the system's CAs). */
  ca?: string;
}

export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === '' ? fallback : v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) {
    throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  }
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function url(env: Env, name: string, fallback: string, protocols: string[]): string {
  const v = str(env, name, fallback);
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${v}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.join(' or ')}, got "${parsed.protocol}"`);
  }
  return v;
}

export function loadConfig(env: Env = process.env): Config {
  const config = readConfig(env);
  if (!config.queuePrefix) config.queuePrefix = `vp-${new URL(config.databaseUrl).pathname.replace(/^\//, '') || 'default'}`;
  return config;
}

/** The environment with some variables set by the caller (tools such as the demo); still validated. */
export function loadConfigWith(overrides: Env): Config {
  return loadConfig({ ...process.env, ...overrides });
}

function readConfig(env: Env): Config {
  const nodeEnv = str(env, 'NODE_ENV', 'development');
  if (nodeEnv !== 'development' && nodeEnv !== 'test' && nodeEnv !== 'production') {
    throw new ConfigError(`NODE_ENV must be development, test or production, got "${nodeEnv}"`);
  }
  return {
    nodeEnv,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST', '0.0.0.0'),
    databaseUrl: url(env, 'DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/voicepartnerai_billing', ['postgres:', 'postgresql:']),
    databaseTls: databaseTls(env),
    databaseCreate: bool(env, 'DATABASE_CREATE', nodeEnv !== 'production'),
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 20, 1, 500),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisTls: redisTls(env),
    logLevel: str(env, 'LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info'),
    holdTtlSecondsDefault: int(env, 'HOLD_TTL_SECONDS_DEFAULT', 300, 1, 3600),
    cogsCentsPerMinute: int(env, 'COGS_CENTS_PER_MINUTE', 14, 0, 10_000),
    purchaseExpiryDays: int(env, 'PURCHASE_EXPIRY_DAYS', 365, 1, 3650),
    ...jwt(env, nodeEnv),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 1200, 1, 1_000_000),
    graphqlIntrospection: bool(env, 'GRAPHQL_INTROSPECTION', nodeEnv !== 'production'),
    explorerEnabled: bool(env, 'EXPLORER_ENABLED', nodeEnv !== 'production'),
    webDistDir: env.WEB_DIST_DIR || null,
    sweepIntervalMs: int(env, 'SWEEP_INTERVAL_MS', 5000, 100, 3_600_000),
    usageBatchesInFlight: int(env, 'USAGE_BATCHES_IN_FLIGHT', 2, 1, 64),
    apiProcesses: int(env, 'API_PROCESSES', nodeEnv === 'test' ? 1 : availableParallelism(), 1, 64),
    reconcileIntervalMs: int(env, 'RECONCILE_INTERVAL_MS', 3_600_000, 1000, 7 * 24 * 3_600_000),
    ledgerVerifyIntervalMs: int(env, 'LEDGER_VERIFY_INTERVAL_MS', 24 * 3_600_000, 1000, 30 * 24 * 3_600_000),
    stripe: stripe(env),
    queuePrefix: str(env, 'QUEUE_PREFIX', ''),
    webhookConcurrency: int(env, 'WEBHOOK_WORKER_CONCURRENCY', 4, 1, 100),
    webhookJobLockMs: int(env, 'WEBHOOK_JOB_LOCK_MS', 30_000, 1000, 600_000),
    workerPort: int(env, 'WORKER_PORT', 4001, 0, 65535),
    metricsToken: metricsToken(env),
    shutdownDelayMs: int(env, 'SHUTDOWN_DELAY_MS', 500, 0, 60_000),
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 25_000, 1000, 600_000),
    clock: clockSource(env, nodeEnv),
  };
}

/** CLOCK=shared follows a simulator's clock in Redis (src/shared/shared-clock.ts); never in production. */
function clockSource(env: Env, nodeEnv: NodeEnv): 'database' | 'shared' {
  const v = str(env, 'CLOCK', 'database');
  if (v !== 'database' && v !== 'shared') throw new ConfigError(`CLOCK must be database or shared, got "${v}"`);
  if (v === 'shared' && nodeEnv === 'production') throw new ConfigError('CLOCK=shared is for simulation and is refused when NODE_ENV=production');
  return v;
}

const PG_SSL_MODES: PgSslMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];

/** A PEM file named by a variable, read now so a wrong path stops the start, not the first connection. */
function pemFile(env: Env, name: string): string | null {
  const path = env[name];
  if (!path) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name} names a file that cannot be read: ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${name} must name a PEM file of certificates: ${path}`);
  return text;
}

function databaseTls(env: Env): DatabaseTls {
  const raw = str(env, 'DATABASE_URL', '');
  let mode: string | null = null;
  try {
    mode = raw ? new URL(raw).searchParams.get('sslmode') : null;
  } catch {
    /* the URL itself is reported by url() */
  }
  const ca = pemFile(env, 'DATABASE_SSL_CA');
  if (mode === 'prefer' || mode === 'allow') {
    throw new ConfigError(`DATABASE_URL sslmode=${mode} would fall back to plain text; use sslmode=require, verify-ca or verify-full (or disable)`);
  }
  if (mode !== null && !PG_SSL_MODES.includes(mode as PgSslMode)) {
    throw new ConfigError(`DATABASE_URL sslmode must be one of ${PG_SSL_MODES.join(', ')}, got "${mode}"`);
  }
  if (mode === 'disable' && ca) throw new ConfigError('DATABASE_SSL_CA is set but DATABASE_URL says sslmode=disable');
  // a CA without a mode means: verify the server with it
  return { mode: (mode as PgSslMode | null) ?? (ca ? 'verify-full' : 'disable'), ca };
}

function redisTls(env: Env): RedisTls | null {
  const ca = pemFile(env, 'REDIS_TLS_CA');
  const tls = str(env, 'REDIS_URL', '').startsWith('rediss:');
  if (ca && !tls) throw new ConfigError('REDIS_TLS_CA is set but REDIS_URL does not start with rediss://');
  if (!tls) return null;
  return ca ? { ca } : {};
}

function metricsToken(env: Env): string | null {
  const token = env.METRICS_TOKEN || null;
  if (token && token.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  return token;
}

function stripe(env: Env): StripeConfig | null {
  if (!env.STRIPE_SECRET_KEY) return null;
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new ConfigError(`${name} must be set when STRIPE_SECRET_KEY is set`);
    return v;
  };
  return {
    secretKey: env.STRIPE_SECRET_KEY,
    webhookSecret: need('STRIPE_WEBHOOK_SECRET'),
    apiUrl: url(env, 'STRIPE_API_URL', 'https://api.stripe.com', ['https:', 'http:']),
    prices: {
      STARTER: need('STRIPE_PRICE_STARTER'),
      BUSINESS: need('STRIPE_PRICE_BUSINESS'),
      ENTERPRISE: need('STRIPE_PRICE_ENTERPRISE'),
    },
  };
}

function jwt(env: Env, nodeEnv: NodeEnv) {
  const jwksUrl = env.JWT_JWKS_URL ? url(env, 'JWT_JWKS_URL', '', ['https:', 'http:']) : null;
  let secret = env.JWT_SECRET || null;
  if (!secret && !jwksUrl) {
    if (nodeEnv === 'production') throw new ConfigError('JWT_SECRET or JWT_JWKS_URL must be set in production');
    secret = DEV_JWT_SECRET;
  }
  if (secret && secret.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters');
  if (secret === DEV_JWT_SECRET && nodeEnv === 'production') throw new ConfigError('JWT_SECRET is the development default');
  if (jwksUrl && nodeEnv === 'production') {
    // tokens of a shared identity provider must be meant for us
    if (!jwksUrl.startsWith('https:')) throw new ConfigError('JWT_JWKS_URL must use https in production');
    if (!env.JWT_ISSUER || !env.JWT_AUDIENCE) throw new ConfigError('JWT_ISSUER and JWT_AUDIENCE must be set with JWT_JWKS_URL in production');
  }
  return {
    jwtSecret: secret,
    jwtJwksUrl: jwksUrl,
    jwtIssuer: env.JWT_ISSUER || null,
    jwtAudience: env.JWT_AUDIENCE || null,
  };
}
