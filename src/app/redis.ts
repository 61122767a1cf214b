import Redis from 'ioredis';
import type { RedisTls } from '../config/env';

export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';
}

function target(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 6379}`;
}

/**
 * A Redis connection for commands. Producers fail fast (no endless offline queue) so a request
 * never hangs on a Redis outage; the connection keeps retrying in the background.
 */
export async function connectRedis(url: string, tls: RedisTls | null = null): Promise<Redis> {
  const redis = new Redis(url, {
    ...(tls ? { tls } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // commands issued in the same tick (rate-limit counters of concurrent requests) share one write
    enableAutoPipelining: true,
    connectTimeout: 3000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  let lastError: Error | null = null;
  redis.on('error', (err: Error) => {
    lastError = err; // reported through readiness and the next command's error
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    // "Connection is closed" says less than the error that closed it (a TLS handshake, say)
    const reason = (lastError as Error | null)?.message ?? (err instanceof Error ? err.message : String(err));
    if (/certificate|SSL|TLS|self[- ]signed|altnames/i.test(reason)) {
      throw new RedisUnreachableError(`Redis at ${target(url)} refused the TLS connection (${reason}). Check REDIS_URL (rediss://) and REDIS_TLS_CA.`);
    }
    throw new RedisUnreachableError(
      `Redis at ${target(url)} cannot be reached (${reason}). Start it ` +
        `(e.g. "redis-server --daemonize yes --bind 127.0.0.1 --port 6379") or set REDIS_URL.`,
    );
  }
  return redis;
}
