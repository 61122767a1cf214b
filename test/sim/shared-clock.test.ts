// The shared clock the service follows in simulation (CLOCK=shared): refused in production, read at
// boot, moved by the simulator through Redis, acknowledged per process.
import Redis from 'ioredis';
import { ConfigError, loadConfig } from '../../src/config/env';
import { SharedClockError, sharedClockKeys, startSharedClock } from '../../src/shared/shared-clock';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('the shared simulation clock', () => {
  const prefix = `vp-clock-test-${process.pid}-${Date.now()}`;
  const keys = sharedClockKeys(prefix);
  const redis = new Redis(REDIS_URL);
  afterAll(async () => {
    await redis.del(keys.time, keys.acks);
    await redis.quit();
  });

  it('is refused when NODE_ENV=production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), CLOCK: 'shared' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), CLOCK: 'shared' })).toThrow(/refused when NODE_ENV=production/);
    expect(loadConfig({ CLOCK: 'shared' }).clock).toBe('shared');
    expect(loadConfig({}).clock).toBe('database');
  });

  it('refuses to start when the simulator has set no time', async () => {
    await expect(startSharedClock({ redisUrl: REDIS_URL, prefix: `${prefix}-none`, processId: 'p0' })).rejects.toThrow(SharedClockError);
  });

  it('stays frozen between advances, follows each advance, and acknowledges the time it applied', async () => {
    const t0 = Date.UTC(2027, 0, 4);
    await redis.set(keys.time, String(t0));
    const clock = await startSharedClock({ redisUrl: REDIS_URL, prefix, processId: 'p1' });
    try {
      expect(clock.now().getTime()).toBe(t0);
      await new Promise((r) => setTimeout(r, 50));
      expect(clock.now().getTime()).toBe(t0);
      expect(await redis.hget(keys.acks, 'p1')).toBe(String(t0));
      const t1 = t0 + 3_600_000;
      await redis.set(keys.time, String(t1));
      await redis.publish(keys.channel, String(t1));
      for (let i = 0; i < 100 && (await redis.hget(keys.acks, 'p1')) !== String(t1); i++) await new Promise((r) => setTimeout(r, 10));
      expect(await redis.hget(keys.acks, 'p1')).toBe(String(t1));
      expect(clock.now().getTime()).toBe(t1);
      // an older time arriving late never moves it back
      await redis.publish(keys.channel, String(t0));
      await new Promise((r) => setTimeout(r, 50));
      expect(clock.now().getTime()).toBe(t1);
    } finally {
      await clock.stop();
    }
    expect(await redis.hget(keys.acks, 'p1')).toBeNull();
  });
});
