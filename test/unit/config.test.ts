import { ConfigError, loadConfig } from '../../src/config/env';

describe('configuration', () => {
  it('has local defaults that work on a developer machine', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('postgresql://postgres@127.0.0.1:5432/voicepartnerai_billing');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.port).toBe(4000);
    expect(c.databaseCreate).toBe(true);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must start with/],
    [{ REDIS_URL: 'not a url' }, /REDIS_URL is not a valid URL/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV must be/],
    [{ DATABASE_CREATE: 'maybe' }, /DATABASE_CREATE must be true or false/],
    [{ HOLD_TTL_SECONDS_DEFAULT: '0' }, /HOLD_TTL_SECONDS_DEFAULT must be between 1 and 3600/],
  ])('refuses %j with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('does not create databases in production unless told to', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }).databaseCreate).toBe(false);
  });

  it('refuses to run in production without a token secret or with the development one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET or JWT_JWKS_URL must be set/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/at least 32/);
  });
});

import { assertHandlersComplete, HANDLERS, SUBSCRIBED_EVENTS } from '../../src/stripe/handlers';

describe('wiring', () => {
  it('has a handler for every Stripe event type the endpoint subscribes to', () => {
    expect(() => assertHandlersComplete()).not.toThrow();
    for (const t of SUBSCRIBED_EVENTS) expect(typeof HANDLERS[t]).toBe('function');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgSsl, withoutTlsParams } from '../../src/db/orm';

describe('TLS to Postgres and Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vp-config-'));
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const caPath = join(dir, 'ca.pem');
  writeFileSync(caPath, pem);
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'hello');
  const db = (q: string) => `postgresql://u:p@db.internal:5432/billing${q}`;

  it.each([
    [{}, { mode: 'disable', ca: null }],
    [{ DATABASE_URL: db('?sslmode=disable') }, { mode: 'disable', ca: null }],
    [{ DATABASE_URL: db('?sslmode=require') }, { mode: 'require', ca: null }],
    [
      { DATABASE_URL: db('?sslmode=verify-ca'), DATABASE_SSL_CA: caPath },
      { mode: 'verify-ca', ca: pem },
    ],
    [{ DATABASE_URL: db('?sslmode=verify-full') }, { mode: 'verify-full', ca: null }],
    [
      { DATABASE_URL: db(''), DATABASE_SSL_CA: caPath },
      { mode: 'verify-full', ca: pem },
    ],
  ])('reads %j as %j', (env, tls) => {
    expect(loadConfig(env).databaseTls).toEqual(tls);
  });

  it.each([
    [{ DATABASE_URL: db('?sslmode=prefer') }, /sslmode=prefer would fall back to plain text/],
    [{ DATABASE_URL: db('?sslmode=allow') }, /sslmode=allow would fall back/],
    [{ DATABASE_URL: db('?sslmode=on') }, /sslmode must be one of disable, require, verify-ca, verify-full/],
    [{ DATABASE_URL: db('?sslmode=disable'), DATABASE_SSL_CA: caPath }, /DATABASE_SSL_CA is set but DATABASE_URL says sslmode=disable/],
    [{ DATABASE_SSL_CA: join(dir, 'missing.pem') }, /DATABASE_SSL_CA names a file that cannot be read: .*missing\.pem \(ENOENT\)/],
    [{ DATABASE_SSL_CA: notPem }, /DATABASE_SSL_CA must name a PEM file/],
    [{ REDIS_TLS_CA: caPath }, /REDIS_TLS_CA is set but REDIS_URL does not start with rediss:\/\//],
    [{ REDIS_URL: 'rediss://r.internal:6380', REDIS_TLS_CA: notPem }, /REDIS_TLS_CA must name a PEM file/],
    [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
    [{ SHUTDOWN_GRACE_MS: '10' }, /SHUTDOWN_GRACE_MS must be between 1000 and 600000/],
    [{ WORKER_PORT: '-1' }, /WORKER_PORT must be between 0 and 65535/],
  ])('refuses %j with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('uses TLS to Redis for rediss:// URLs, with the CA when one is given', () => {
    expect(loadConfig({}).redisTls).toBeNull();
    expect(loadConfig({ REDIS_URL: 'rediss://r.internal:6380' }).redisTls).toEqual({});
    expect(loadConfig({ REDIS_URL: 'rediss://r.internal:6380', REDIS_TLS_CA: caPath }).redisTls).toEqual({ ca: pem });
  });

  it('gives node-postgres the meaning libpq gives each sslmode', () => {
    expect(pgSsl(undefined)).toBe(false);
    expect(pgSsl({ mode: 'disable', ca: null })).toBe(false);
    expect(pgSsl({ mode: 'require', ca: null })).toEqual({ rejectUnauthorized: false });
    // libpq verifies the CA under "require" when a root certificate is given; so do we
    const requireWithCa = pgSsl({ mode: 'require', ca: pem }) as Record<string, unknown>;
    expect(requireWithCa).toMatchObject({ ca: pem, rejectUnauthorized: true });
    expect((requireWithCa.checkServerIdentity as () => unknown)()).toBeUndefined();
    const verifyCa = pgSsl({ mode: 'verify-ca', ca: pem }) as Record<string, unknown>;
    expect(verifyCa).toMatchObject({ ca: pem, rejectUnauthorized: true });
    expect(typeof verifyCa.checkServerIdentity).toBe('function');
    expect(pgSsl({ mode: 'verify-full', ca: null })).toEqual({ ca: undefined, rejectUnauthorized: true });
    expect(pgSsl({ mode: 'verify-full', ca: pem })).toEqual({ ca: pem, rejectUnauthorized: true });
  });

  it('hands the driver a URL without TLS parameters, so it cannot guess other meanings', () => {
    expect(withoutTlsParams(db('?sslmode=verify-full&sslrootcert=/x.pem&application_name=vp'))).toBe(db('?application_name=vp'));
  });

  it('has defaults for the operations settings', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ workerPort: 4001, metricsToken: null, shutdownDelayMs: 500, shutdownGraceMs: 25_000 });
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token' }).metricsToken).toBe('a-long-enough-token');
  });
});
