// Rate limiting with rate-limiter-flexible: one window of a minute per key in Redis (shared by every
// API process, per installation: QUEUE_PREFIX), RATE_LIMIT_PER_MINUTE requests in it. Keys are a
// principal (`jwt:<user>`, `apiKey:<user>`) after authentication, and an address (`ip:<ip>`) for
// what no principal answers for: requests without a credential and failed authentications. The
// address is checked BEFORE authentication, so a flood of bad API keys is refused without a
// database lookup each. If Redis is unreachable an in-memory limiter of the same size (per process)
// stands in, and a warning is logged: a Redis outage must not stop the voice engine from recording
// calls, nor lift the limits.
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../observability/logger';
import { rateLimited } from '../graphql/errors';

const WINDOW_SECONDS = 60;

export interface RateLimiter {
  /** Counts one request of `key`; RATE_LIMITED (429, Retry-After) past the limit. */
  (key: string): Promise<void>;
  /** RATE_LIMITED if `key` has spent its window, counting nothing (before authentication). */
  check(key: string): Promise<void>;
  /** Counts one request of `key` that is answered anyway (a failed authentication: 401), refusing nothing. */
  count(key: string): Promise<void>;
}

export function createRateLimiter(redis: Redis, perMinute: number, logger: Logger, prefix: string): RateLimiter {
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `${prefix}:rl`,
    points: perMinute,
    duration: WINDOW_SECONDS,
    // a connection that is down answers from the insurance at once, not after a failed command
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: perMinute, duration: WINDOW_SECONDS }),
  });

  let warnedAt = 0;
  const warnIfInsured = () => {
    const now = Date.now();
    if (redis.status !== 'ready' && now - warnedAt > 10_000) {
      warnedAt = now;
      logger.warn({ redis: redis.status }, 'rate limiter cannot reach Redis; limiting per process in memory');
    }
  };
  const refuse = (res: RateLimiterRes): never => {
    throw rateLimited(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
  };
  /** An answer that is no verdict (neither Redis nor the insurance answered): let the request through, as a limiter must not fail requests. */
  const unexpected = (err: unknown) => {
    logger.warn({ err: (err as Error)?.message }, 'rate limiter failed; letting the request through');
  };

  const consume = async (key: string) => {
    warnIfInsured();
    try {
      await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) refuse(err);
      unexpected(err);
    }
  };
  return Object.assign(consume, {
    async check(key: string) {
      warnIfInsured();
      let res: RateLimiterRes | null;
      try {
        res = await limiter.get(key);
      } catch (err) {
        return unexpected(err);
      }
      if (res && res.consumedPoints >= perMinute) refuse(res);
    },
    async count(key: string) {
      warnIfInsured();
      try {
        await limiter.penalty(key, 1);
      } catch (err) {
        unexpected(err);
      }
    },
  });
}
