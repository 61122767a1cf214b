// What the service lends to /metrics: queue depths from Redis and the stored-webhook backlog from
// Postgres, read when scraped (each timed out by the metrics module).
import type { Queue } from 'bullmq';
import type { Orm } from '../db/orm';
import type { QueueState, ScrapeSource } from '../observability/metrics';

export function queueCounts(queues: Queue[]): NonNullable<ScrapeSource['queueCounts']> {
  return async () => {
    const out: Record<string, Record<QueueState, number>> = {};
    await Promise.all(
      queues.map(async (q) => {
        const c = await q.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
        out[q.name] = { waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
      }),
    );
    return out;
  };
}

export function webhookBacklog(orm: Orm): NonNullable<ScrapeSource['webhookBacklog']> {
  return async () => {
    // each status on its partial index (webhook_events_open, webhook_events_processing)
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ status: string; n: number; age_seconds: number | null }[]>(
        `select status, count(*)::int as n, extract(epoch from now() - min(received_at))::float8 as age_seconds
         from webhook_events where status in ('RECEIVED', 'FAILED') group by status
       union all
       select 'PROCESSING', count(*)::int, extract(epoch from now() - min(received_at))::float8
         from webhook_events where status = 'PROCESSING'`,
      );
    const byStatus: Record<string, number> = {};
    let oldestAgeSeconds = 0;
    for (const r of rows) {
      byStatus[r.status] = Number(r.n);
      // a FAILED event may stay so for good (a permanent failure, for an operator): not the flow's age
      if (r.age_seconds !== null && r.status !== 'FAILED') oldestAgeSeconds = Math.max(oldestAgeSeconds, Number(r.age_seconds));
    }
    return { byStatus, oldestAgeSeconds };
  };
}
