// The webhook inbox: verify → store once by event id → enqueue → process by id → sweep what was
// stored but never enqueued. Storing comes before acknowledging, so a 2xx means the event is safe
// in Postgres whatever happens to Redis or the worker.
import type { Stripe } from './client';
import type { Em } from '../db/em';
import { webhookLag } from '../observability/metrics';
import { failpoint } from '../shared/failpoints';
import { redactPersonalData } from '../domain/gdpr/redact';
import type { ProcessDeps } from './deps';
import { PermanentWebhookError } from './deps';
import { HANDLERS } from './handlers';

/**
 * Stores the event unless its id is known; answers whether it is new. Names, emails, phones and
 * addresses in the payload are not kept (nothing reads them; billing rules §10).
 */
export async function storeEvent(em: Em, event: Stripe.Event): Promise<boolean> {
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `insert into webhook_events (id, type, payload, stripe_created_at)
     values (?, ?, ?::jsonb, to_timestamp(?)) on conflict (id) do nothing returning id`,
    [event.id, event.type, JSON.stringify(redactPersonalData(event)), event.created],
  );
  return rows.length === 1;
}

/**
 * Events stored a while ago and still not processed (Redis was down when they came, or their job
 * was lost): for the sweep, which enqueues them again unless their job is still waiting.
 */
export async function eventsToEnqueue(em: Em, olderThanSeconds: number, batchMax: number): Promise<string[]> {
  const rows = await em.getConnection().execute<{ id: string }[]>(
    `select id from webhook_events
      where status = 'RECEIVED' and received_at < now() - make_interval(secs => ?)
      order by received_at limit ?`,
    [olderThanSeconds, batchMax],
  );
  return rows.map((r) => r.id);
}

/**
 * Events that failed with attempts left and whose retry is due (next_retry_at): for the sweep,
 * which enqueues those whose retry job no longer exists (Redis lost its data), with the attempts
 * they have left. An event that failed for good (out of attempts, or retrying cannot fix it) has no
 * next_retry_at and stays FAILED for an operator; so does one whose retry is not due yet.
 */
export async function failedEventsAwaitingRetry(em: Em, batchMax: number): Promise<{ id: string; attempts: number }[]> {
  const rows = await em.getConnection().execute<{ id: string; attempts: number }[]>(
    `select id, attempts from webhook_events
      where status = 'FAILED' and next_retry_at is not null and next_retry_at <= now()
      order by next_retry_at limit ?`,
    [batchMax],
  );
  return rows.map((r) => ({ id: r.id, attempts: Number(r.attempts) }));
}

/** A FAILED event whose job finished failed awaits no retry: the sweep stops looking at it. */
export async function clearRetryDue(em: Em, eventId: string): Promise<void> {
  await em.getConnection().execute(`update webhook_events set next_retry_at = null where id = ? and status = 'FAILED'`, [eventId]);
}

export type { ProcessDeps } from './deps';

/** Stored → processed, for the lag histogram. */
const LAG = 'returning extract(epoch from processed_at - received_at)::float8 as lag_seconds';

export { PermanentWebhookError } from './deps';

/**
 * Processes one stored event by id. Safe to run twice and concurrently: the row is claimed by one
 * conditional update, and every handler's effect is idempotent in the ledger. `retryInMs` is when
 * its job retries it should this attempt fail (null: it does not — its last attempt); a failure
 * retrying cannot fix (PermanentWebhookError) is never retried.
 */
export async function processEvent(deps: ProcessDeps, eventId: string, opts: { retryInMs?: number | null } = {}): Promise<'PROCESSED' | 'IGNORED' | 'SKIPPED'> {
  const conn = deps.em.getConnection();
  const [claimed] = await conn.execute<{ payload: Stripe.Event; type: string }[]>(
    `update webhook_events set status = 'PROCESSING', attempts = attempts + 1, next_retry_at = null
      where id = ? and status in ('RECEIVED', 'FAILED', 'PROCESSING') returning payload, type`,
    [eventId],
  );
  if (!claimed) return 'SKIPPED'; // processed already, or unknown
  const handler = HANDLERS[claimed.type];
  try {
    if (!handler) {
      deps.logger.info({ eventId, type: claimed.type }, 'stripe event type without a handler: stored and acknowledged');
      const [done] = await conn.execute<{ lag_seconds: number }[]>(`update webhook_events set status = 'IGNORED', processed_at = now() where id = ? ${LAG}`, [
        eventId,
      ]);
      if (done) webhookLag.observe({ outcome: 'IGNORED' }, Number(done.lag_seconds));
      return 'IGNORED';
    }
    failpoint(`webhook.before-effect:${claimed.type}`);
    await handler(deps, claimed.payload);
    failpoint(`webhook.after-effect:${claimed.type}`);
    const [done] = await conn.execute<{ lag_seconds: number }[]>(
      `update webhook_events set status = 'PROCESSED', processed_at = now(), last_error = null where id = ? ${LAG}`,
      [eventId],
    );
    if (done) webhookLag.observe({ outcome: 'PROCESSED' }, Number(done.lag_seconds));
    failpoint(`webhook.before-ack:${claimed.type}`);
    return 'PROCESSED';
  } catch (err) {
    const retryInMs = err instanceof PermanentWebhookError ? null : (opts.retryInMs ?? null);
    await conn.execute(
      `update webhook_events set status = 'FAILED', last_error = ?,
              next_retry_at = case when ?::bigint is null then null else now() + make_interval(secs => ?::bigint / 1000.0) end
        where id = ?`,
      [String((err as Error).message).slice(0, 1000), retryInMs, retryInMs, eventId],
    );
    throw err;
  }
}
