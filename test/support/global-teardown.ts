import Redis from 'ioredis';
import { FILE_DB_PREFIX, withAdmin } from './pg-admin';

/**
 * Drops the databases test files left behind (a crashed file cannot drop its own), and the job
 * queues' Redis keys of this run (their prefix is `vp-<database name>`), so runs leave nothing.
 */
export default async function globalTeardown(): Promise<void> {
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(`select datname from pg_database where starts_with(datname, $1)`, [FILE_DB_PREFIX]);
    for (const { datname } of rows) await c.query(`drop database if exists "${datname}" with (force)`);
  });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `vp-${FILE_DB_PREFIX}*`, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch (err) {
    console.warn(`could not clear the test queues' Redis keys: ${(err as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
