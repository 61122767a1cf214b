/**
 * A timestamptz as the driver hands it over. MikroORM's Postgres driver keeps timestamps as text
 * ("2026-11-10 10:00:00.123+00"); turn that into a Date without losing the offset.
 */
export function asDate(v: string | Date): Date {
  if (v instanceof Date) return v;
  const iso = v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`unparseable timestamp "${v}"`);
  return d;
}

export function asDateOrNull(v: string | Date | null | undefined): Date | null {
  return v === null || v === undefined ? null : asDate(v);
}

/**
 * `p`, or a rejection with `message` after `ms`. The timer is cleared as soon as `p` settles: on a
 * hot path (every webhook enqueues with one) a timer left running keeps its closure alive for its
 * whole delay, and an Error built when it fires costs a stack trace; both end up in the old
 * generation and make its collections (pauses) frequent.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([p, expired]).finally(() => clearTimeout(timer));
}
