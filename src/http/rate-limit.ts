// Per-principal rate limiting in Redis (fixed one-minute windows), shared by every API process.
// If Redis is unreachable the request goes through and a warning is logged: a Redis outage must
// not stop the voice engine from recording calls.
import type Redis from 'ioredis';
import type { Logger } from '../observability/logger';
import { rateLimited } from '../graphql/errors';

export type RateLimiter = (principalKey: string) => Promise<void>;

export function createRateLimiter(redis: Redis, perMinute: number, logger: Logger, prefix: string): RateLimiter {
  let warnedAt = 0;
  return async (principalKey) => {
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const key = `${prefix}:rl:${principalKey}:${window}`; // per installation (QUEUE_PREFIX)
    let count: number;
    try {
      const res = await redis.multi().incr(key).expire(key, 90).exec();
      count = Number(res?.[0]?.[1] ?? 0);
    } catch (err) {
      if (now - warnedAt > 10_000) {
        warnedAt = now;
        logger.warn({ err: (err as Error).message }, 'rate limiter cannot reach Redis; letting requests through');
      }
      return;
    }
    if (count > perMinute) throw rateLimited(Math.max(1, 60 - Math.floor((now % 60_000) / 1000)));
  };
}
