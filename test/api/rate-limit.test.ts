// Rate limits (src/http/rate-limit.ts): an address pays for its failed authentications and is
// refused before its next credential costs a database lookup; a principal pays for its requests;
// with Redis unreachable an in-memory limiter of the same size holds the limits per process.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import WebSocket from 'ws';
import { connectRedis } from '../../src/app/redis';
import { loadConfig } from '../../src/config/env';
import { chunkOf, createRateLimiter } from '../../src/http/rate-limit';
import { createLogger } from '../../src/observability/logger';
import { outcome, startTestApi, type TestApi } from '../support/api';
import { startTcpProxy } from '../support/tcp-proxy';
import { until } from '../support/wait';

describe('rate limits per address, before authentication', () => {
  let api: TestApi;
  let keyLookups = 0;
  const original = Client.prototype.query;

  beforeAll(async () => {
    api = await startTestApi({ RATE_LIMIT_PER_MINUTE: '3' });
    Client.prototype.query = function counted(this: Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (text?.includes('from api_keys')) keyLookups += 1;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
  });
  afterAll(async () => {
    Client.prototype.query = original;
    await api.stop();
  });

  it('counts bad API keys per address and refuses the address past RATE_LIMIT_PER_MINUTE without looking the key up', async () => {
    const badKey = () => ({ apiKey: `vpk_${'a'.repeat(12)}_${randomUUID().replace(/-/g, '').padEnd(43, 'x')}` });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await api.gql('{ me { id } }', {}, badKey())).status);
    expect(codes).toEqual([401, 401, 401]);
    expect(keyLookups).toBe(3);

    for (let i = 0; i < 5; i++) {
      const res = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': badKey().apiKey },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    }
    expect(keyLookups).toBe(3);
    expect(outcome(await api.gql('{ me { id } }', {}, badKey()), 'me')).toBe('RATE_LIMITED');
  });

  it('counts bad keys over WebSocket against the same address, and closes it with 4429 past the limit without looking the key up', async () => {
    const from = { 'x-forwarded-for': '203.0.113.7' }; // through a loopback proxy: the address is the forwarded one
    const connect = (apiKey: string) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${api.service.port}/graphql`, 'graphql-transport-ws', { headers: from });
        ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey } })));
        ws.on('close', (code) => resolve(code));
        ws.on('error', reject);
      });
    const before = keyLookups;
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push(await connect(`vpk_${'b'.repeat(12)}_${'y'.repeat(43)}`));
    expect(codes).toEqual([4403, 4403, 4403]);
    expect(keyLookups).toBe(before + 3);
    expect(await connect(`vpk_${'b'.repeat(12)}_${'y'.repeat(43)}`)).toBe(4429);
    expect(keyLookups).toBe(before + 3);
    const res = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...from },
      body: JSON.stringify({ query: '{ plans { code } }' }),
    });
    expect(res.status).toBe(429);
  });
});

describe('rate limits with Redis unreachable', () => {
  it('holds the limit in memory per process (the insurance limiter) and answers at once', async () => {
    const proxy = await startTcpProxy(6379);
    const redis = await connectRedis(`redis://127.0.0.1:${proxy.port}`);
    try {
      const limiter = createRateLimiter(redis, 2, createLogger('silent'), `insured-${randomUUID()}`);
      await proxy.cut();
      await until('Redis seen as gone', () => redis.status !== 'ready' || undefined);
      const principal = `jwt:${randomUUID()}`;
      const t0 = Date.now();
      await limiter(principal);
      await limiter(principal);
      await expect(limiter(principal)).rejects.toThrow(/Too many requests/);
      await expect(limiter(`jwt:${randomUUID()}`)).resolves.toBeUndefined();
      const address = `ip:${randomUUID()}`;
      await limiter.count(address);
      await limiter.count(address);
      await expect(limiter.check(address)).rejects.toThrow(/Too many requests/);
      expect(Date.now() - t0).toBeLessThan(1000);
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });

  it('checks an address without counting it, and counts a failed authentication without refusing it', async () => {
    const redis = await connectRedis(loadConfig({ NODE_ENV: 'test' }).redisUrl);
    try {
      const limiter = createRateLimiter(redis, 2, createLogger('silent'), `count-${randomUUID()}`);
      const address = `ip:${randomUUID()}`;
      for (let i = 0; i < 5; i++) await limiter.check(address);
      await limiter.count(address);
      await limiter.count(address);
      await expect(limiter.count(address)).resolves.toBeUndefined();
      await expect(limiter.check(address)).rejects.toThrow(/Too many requests/);
    } finally {
      redis.disconnect();
    }
  });
});

describe('rate limits across processes, decided in memory', () => {
  /** Requests counted in one window: start well inside a minute, so the window does not turn midway. */
  async function insideOneWindow(): Promise<void> {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await new Promise((r) => setTimeout(r, left + 50));
  }

  it('holds a principal to the limit over two processes within the stated tolerance (limit + processes × ⌊limit / 100⌋)', async () => {
    const url = loadConfig({ NODE_ENV: 'test' }).redisUrl;
    // two processes share nothing but Redis: two limiters on two connections
    const redisA = await connectRedis(url);
    const redisB = await connectRedis(url);
    const prefix = `across-${randomUUID()}`;
    const limit = 300;
    const a = createRateLimiter(redisA, limit, createLogger('silent'), prefix);
    const b = createRateLimiter(redisB, limit, createLogger('silent'), prefix);
    try {
      await insideOneWindow();
      const principal = `jwt:${randomUUID()}`;
      let admitted = 0;
      let refused = 0;
      const one = (limiter: typeof a) =>
        limiter(principal).then(
          () => (admitted += 1),
          (err: Error) => {
            expect(err.message).toMatch(/Too many requests/);
            refused += 1;
          },
        );
      // bursts on both at once, as two processes under load get them
      for (let round = 0; round < 40; round++) await Promise.all(Array.from({ length: 10 }, (_, i) => one(i % 2 ? a : b)));
      expect(admitted + refused).toBe(400);
      expect(admitted).toBeGreaterThanOrEqual(limit);
      expect(admitted).toBeLessThanOrEqual(limit + 2 * chunkOf(limit));
      // and once synced, each process refuses the principal by itself
      await a.sync();
      await b.sync();
      await expect(a(principal)).rejects.toThrow(/Too many requests/);
      await expect(b(principal)).rejects.toThrow(/Too many requests/);
      // another principal is not touched
      await expect(a(`jwt:${randomUUID()}`)).resolves.toBeUndefined();
    } finally {
      a.stop();
      b.stop();
      redisA.disconnect();
      redisB.disconnect();
    }
  });

  it('refuses an address in a second process after the first counted its failed authentications', async () => {
    const url = loadConfig({ NODE_ENV: 'test' }).redisUrl;
    const redisA = await connectRedis(url);
    const redisB = await connectRedis(url);
    const prefix = `across-ip-${randomUUID()}`;
    const a = createRateLimiter(redisA, 5, createLogger('silent'), prefix);
    const b = createRateLimiter(redisB, 5, createLogger('silent'), prefix);
    try {
      await insideOneWindow();
      const address = `ip:${randomUUID()}`;
      for (let i = 0; i < 5; i++) await a.count(address);
      await a.sync();
      // b has not heard of the address yet: its first request is checked in memory (within the
      // tolerance), and the sync that follows tells b what a counted
      await b.check(address);
      await b.sync();
      await expect(b.check(address)).rejects.toThrow(/Too many requests/);
    } finally {
      a.stop();
      b.stop();
      redisA.disconnect();
      redisB.disconnect();
    }
  });
});
