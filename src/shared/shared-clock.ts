// A clock several processes share, for simulation only (CLOCK=shared; refused in production).
// The simulated time lives in Redis: each process reads it at boot, follows a pub/sub channel, and
// keeps it in memory — frozen between the simulator's advances, so every process sees the same
// "now". After applying a new time a process acknowledges it in a hash (its id → the time), so the
// simulator advances again only once every process has moved. Webhook signatures and JWTs stay on
// real time: only business time (expiry, periods, holds) follows this clock.
import Redis from 'ioredis';
import type { Clock } from './clock';

export interface SharedClockKeys {
  /** The current simulated time, epoch ms, as a string. */
  time: string;
  /** Published with the new time (epoch ms) on every advance. */
  channel: string;
  /** Hash: process id → the time (epoch ms) it applied last. */
  acks: string;
}

export function sharedClockKeys(prefix: string): SharedClockKeys {
  return { time: `${prefix}:sim-clock:time`, channel: `${prefix}:sim-clock:advance`, acks: `${prefix}:sim-clock:acks` };
}

export interface SharedClock extends Clock {
  now(): Date;
  stop(): Promise<void>;
}

export class SharedClockError extends Error {
  override name = 'SharedClockError';
}

/** Follows the shared time; refuses to start when the simulator has not set one. */
export async function startSharedClock(opts: { redisUrl: string; prefix: string; processId: string; tls?: object | null }): Promise<SharedClock> {
  const keys = sharedClockKeys(opts.prefix);
  const make = () => new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3, ...(opts.tls ? { tls: opts.tls } : {}) });
  const sub = make();
  const cmd = make();
  await Promise.all([sub.connect(), cmd.connect()]);
  let currentMs = NaN;
  const apply = async (ms: number) => {
    // the time only moves forwards, whatever order messages and the boot read come in
    if (!Number.isFinite(ms) || ms < currentMs) return;
    currentMs = ms;
    await cmd.hset(keys.acks, opts.processId, String(ms));
  };
  sub.on('message', (_channel, message) => {
    apply(Number(message)).catch(() => undefined);
  });
  await sub.subscribe(keys.channel);
  const initial = await cmd.get(keys.time);
  if (initial === null) {
    await Promise.all([sub.quit(), cmd.quit()]);
    throw new SharedClockError(`CLOCK=shared but no simulated time is set (${keys.time})`);
  }
  await apply(Number(initial));
  return {
    now: () => new Date(currentMs),
    async stop() {
      await cmd.hdel(keys.acks, opts.processId).catch(() => undefined);
      await Promise.all([sub.quit().catch(() => sub.disconnect()), cmd.quit().catch(() => cmd.disconnect())]);
    },
  };
}
