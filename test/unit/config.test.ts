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
