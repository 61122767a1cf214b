import { EventEmitter } from 'node:events';
import { getOperationAST, parse } from 'graphql';
import { operationLabel } from '../../src/http/graphql';
import { addScrapeSource, observeWorker, registry, setLedgerDriftUsers } from '../../src/observability/metrics';
import { parseScrape } from '../support/metrics';

const scrape = async () => parseScrape(await registry.metrics());

describe('metric labels come from closed sets', () => {
  it.each([
    ['mutation Anything { recordUsage(input: $i) { billedSeconds } }', 'recordUsage'],
    ['mutation { a: recordUsage(input: $i) { billedSeconds } b: recordUsage(input: $j) { billedSeconds } }', 'recordUsage'],
    ['{ balance { balanceSeconds } me { id } }', 'multiple'],
    ['query { ...F } fragment F on Query { me { id } }', 'fragment'],
  ])('labels %s as %s (never the client-chosen operation name)', (text, label) => {
    expect(operationLabel(getOperationAST(parse(text)) ?? undefined)).toBe(label);
  });

  it('labels a request that did not parse as unknown', () => {
    expect(operationLabel(undefined)).toBe('unknown');
  });
});

describe('the ledger drift gauge', () => {
  it('shows what the reconciliation job sets, and when', async () => {
    setLedgerDriftUsers(3, new Date('2026-11-24T10:00:00Z'));
    let m = await scrape();
    expect(m.value('vp_ledger_drift_users')).toBe(3);
    expect(m.value('vp_ledger_reconciliation_last_run_timestamp_seconds')).toBe(Date.parse('2026-11-24T10:00:00Z') / 1000);
    setLedgerDriftUsers(0);
    m = await scrape();
    expect(m.value('vp_ledger_drift_users')).toBe(0);
  });
});

describe('job counters', () => {
  it('counts completed jobs, and failed ones as final when no retry follows', async () => {
    const worker = Object.assign(new EventEmitter(), { name: 'unit-queue' });
    observeWorker(worker);
    const job = (attemptsMade: number, attempts: number) => ({ attemptsMade, opts: { attempts }, processedOn: 1000, finishedOn: 1250 });
    worker.emit('completed', job(1, 1));
    worker.emit('failed', job(1, 8), new Error('transient'));
    worker.emit('failed', job(8, 8), new Error('transient, last attempt'));
    worker.emit('failed', job(1, 8), Object.assign(new Error('unknown price'), { name: 'UnrecoverableError' }));
    const m = await scrape();
    expect(m.value('vp_jobs_completed_total', { queue: 'unit-queue' })).toBe(1);
    expect(m.value('vp_jobs_failed_total', { queue: 'unit-queue', final: 'false' })).toBe(1);
    expect(m.value('vp_jobs_failed_total', { queue: 'unit-queue', final: 'true' })).toBe(2);
    expect(m.value('vp_job_duration_seconds_count', { queue: 'unit-queue' })).toBe(4);
    expect(m.value('vp_job_duration_seconds_sum', { queue: 'unit-queue' })).toBe(1);
  });
});

describe('gauges read on scrape', () => {
  it('reports queue depths as unavailable instead of waiting for a Redis that does not answer', async () => {
    const drop = addScrapeSource({
      queueCounts: () => new Promise(() => undefined),
      webhookBacklog: async () => ({ byStatus: { RECEIVED: 2 }, oldestAgeSeconds: 7 }),
    });
    try {
      const m = await scrape();
      expect(m.value('vp_queue_metrics_up')).toBe(0);
      expect(m.sum('vp_queue_jobs')).toBe(0);
      expect(m.value('vp_webhook_backlog_metrics_up')).toBe(1);
      expect(m.value('vp_webhook_events_pending', { status: 'RECEIVED' })).toBe(2);
      expect(m.value('vp_webhook_oldest_pending_age_seconds')).toBe(7);
    } finally {
      drop();
    }
    const after = await scrape();
    expect(after.value('vp_queue_metrics_up')).toBe(1);
  });
});
