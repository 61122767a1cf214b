// The process's Prometheus metrics (prom-client): one registry, every metric defined here with its
// unit in the name. Counters and histograms are updated where things happen; gauges of state that
// lives elsewhere (queue depths, stored webhooks, open sockets) are read when /metrics is scraped,
// each with a short timeout, so an outage of Redis or Postgres shows as a gap, not a hung scrape.
// Label values come from closed sets (route table, schema fields, error codes, queue names): a
// caller cannot create series.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { limits } from '../config/limits';
import { withTimeout } from '../shared/time';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS_SECONDS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LAG_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

export const httpRequestDuration = new Histogram({
  name: 'vp_http_request_duration_seconds',
  help: 'HTTP requests by route (a fixed table; unmatched paths are "other"), method and status.',
  labelNames: ['route', 'method', 'status'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [registry],
});

export const graphqlOperationDuration = new Histogram({
  name: 'vp_graphql_operation_duration_seconds',
  help: 'GraphQL operations over HTTP by root field (several → "multiple"), type and outcome (ok, user_error, or the top-level error code).',
  labelNames: ['operation', 'type', 'outcome'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [registry],
});

export const usageRecords = new Counter({
  name: 'vp_usage_records_total',
  help: 'Answers of recordUsage and commitReservation by outcome (OK or the userErrors code); a replayed key answers OK again.',
  labelNames: ['operation', 'outcome'] as const,
  registers: [registry],
});

export const webhookLag = new Histogram({
  name: 'vp_webhook_lag_seconds',
  help: 'Stripe events: from being stored by the endpoint to being processed by a worker.',
  labelNames: ['outcome'] as const,
  buckets: LAG_BUCKETS_SECONDS,
  registers: [registry],
});

export const jobsCompleted = new Counter({
  name: 'vp_jobs_completed_total',
  help: 'Jobs this process completed, by queue.',
  labelNames: ['queue'] as const,
  registers: [registry],
});

export const schedulersRecreated = new Counter({
  name: 'vp_job_schedulers_recreated_total',
  help: 'Job schedulers this process found missing from Redis (e.g. after it lost its data) and re-created.',
  registers: [registry],
});

export const jobsFailed = new Counter({
  name: 'vp_jobs_failed_total',
  help: 'Job attempts that failed in this process, by queue; final="true" when no retry follows.',
  labelNames: ['queue', 'final'] as const,
  registers: [registry],
});

export const jobDuration = new Histogram({
  name: 'vp_job_duration_seconds',
  help: 'Time a job ran in this process, by queue (completed and failed attempts).',
  labelNames: ['queue'] as const,
  buckets: LATENCY_BUCKETS_SECONDS,
  registers: [registry],
});

const ledgerDriftUsers = new Gauge({
  name: 'vp_ledger_drift_users',
  help: 'Users whose ledger failed verification in the last reconciliation run (should be 0).',
  registers: [registry],
});

const ledgerReconciledAt = new Gauge({
  name: 'vp_ledger_reconciliation_last_run_timestamp_seconds',
  help: 'When the ledger reconciliation last finished (Unix seconds; 0 = not in this process yet).',
  registers: [registry],
});

/** For the ledger reconciliation job: how many users' books did not verify in its run. */
export function setLedgerDriftUsers(users: number, at: Date = new Date()): void {
  ledgerDriftUsers.set(users);
  ledgerReconciledAt.set(Math.floor(at.getTime() / 1000));
}

// ---- read on scrape ----------------------------------------------------------------------------

export type QueueState = 'waiting' | 'active' | 'delayed' | 'failed';
export const QUEUE_STATES: readonly QueueState[] = ['waiting', 'active', 'delayed', 'failed'];

/** What a running service lends to the scrape; every function may fail or hang — it is timed out. */
export interface ScrapeSource {
  websockets?: () => { connections: number; subscriptions: number };
  /** Job counts per queue name. */
  queueCounts?: () => Promise<Record<string, Record<QueueState, number>>>;
  /** Stored Stripe events not processed yet, by status, and the age of the oldest. */
  webhookBacklog?: () => Promise<{ byStatus: Record<string, number>; oldestAgeSeconds: number }>;
}

const sources = new Set<ScrapeSource>();

/** Registers what a service can report; answers the function that takes it back (on stop). */
export function addScrapeSource(source: ScrapeSource): () => void {
  sources.add(source);
  return () => {
    sources.delete(source);
  };
}

const SCRAPE_TIMEOUT_MS = limits.metricsScrapeTimeoutMs;

new Gauge({
  name: 'vp_websocket_connections',
  help: 'Open, authenticated graphql-ws connections of this process.',
  registers: [registry],
  collect() {
    let n = 0;
    for (const s of sources) n += s.websockets?.().connections ?? 0;
    this.set(n);
  },
});

new Gauge({
  name: 'vp_websocket_subscriptions',
  help: 'Active subscriptions on the graphql-ws connections of this process.',
  registers: [registry],
  collect() {
    let n = 0;
    for (const s of sources) n += s.websockets?.().subscriptions ?? 0;
    this.set(n);
  },
});

/**
 * One read per scrape shared by the gauges that show it: prom-client collects all metrics of a
 * scrape at once, so a gauge without its own collect would show the previous scrape's value.
 */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => {
      pending = null;
    });
    return pending;
  };
}

const readQueues = oncePerScrape(async () => {
  const counts: Record<string, Record<QueueState, number>> = {};
  let up = 1;
  for (const s of sources) {
    if (!s.queueCounts) continue;
    try {
      Object.assign(counts, await withTimeout(s.queueCounts(), SCRAPE_TIMEOUT_MS));
    } catch {
      up = 0;
    }
  }
  return { counts, up };
});

new Gauge({
  name: 'vp_queue_metrics_up',
  help: '1 when the queue depths of this scrape could be read from Redis, 0 when not (Redis down or slow).',
  registers: [registry],
  async collect() {
    this.set((await readQueues()).up);
  },
});

new Gauge({
  name: 'vp_queue_jobs',
  help: 'Jobs per queue and state (waiting, active, delayed, failed), read from Redis on scrape; the same in every process.',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
  async collect() {
    const { counts } = await readQueues();
    this.reset();
    for (const [queue, byState] of Object.entries(counts)) {
      for (const state of QUEUE_STATES) this.set({ queue, state }, byState[state] ?? 0);
    }
  },
});

const readBacklog = oncePerScrape(async () => {
  const byStatus: Record<string, number> = {};
  let up = 1;
  let oldest = 0;
  for (const s of sources) {
    if (!s.webhookBacklog) continue;
    try {
      const b = await withTimeout(s.webhookBacklog(), SCRAPE_TIMEOUT_MS);
      Object.assign(byStatus, b.byStatus);
      oldest = Math.max(oldest, b.oldestAgeSeconds);
    } catch {
      up = 0;
    }
  }
  return { byStatus, up, oldest };
});

new Gauge({
  name: 'vp_webhook_backlog_metrics_up',
  help: '1 when the stored-webhook backlog of this scrape could be read from Postgres, 0 when not.',
  registers: [registry],
  async collect() {
    this.set((await readBacklog()).up);
  },
});

new Gauge({
  name: 'vp_webhook_oldest_pending_age_seconds',
  help: 'Age of the oldest stored Stripe event waiting or being processed (RECEIVED, PROCESSING; 0 when none).',
  registers: [registry],
  async collect() {
    this.set((await readBacklog()).oldest);
  },
});

new Gauge({
  name: 'vp_webhook_events_pending',
  help: 'Stored Stripe events not processed yet, by status (RECEIVED, PROCESSING, FAILED), read from Postgres on scrape.',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    const { byStatus, up } = await readBacklog();
    this.reset();
    if (!up) return;
    for (const status of ['RECEIVED', 'PROCESSING', 'FAILED']) this.set({ status }, byStatus[status] ?? 0);
  },
});

/** The text of a scrape (Prometheus exposition format). */
export async function scrape(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** Counts a recordUsage or commitReservation answer by its outcome. */
/**
 * A metric's child per label combination, made once: observing through it skips the hashing of a
 * labels object on every request. The combinations come from closed sets, so the map stays small.
 */
function children<C>(make: (values: string[]) => C): (...values: string[]) => C {
  const made = new Map<string, C>();
  return (...values) => {
    const key = values.join('\u0001');
    let c = made.get(key);
    if (!c) {
      c = make(values);
      made.set(key, c);
    }
    return c;
  };
}

const httpChild = children((v) => httpRequestDuration.labels(v[0]!, v[1]!, v[2]!));
const operationChild = children((v) => graphqlOperationDuration.labels(v[0]!, v[1]!, v[2]!));
const usageChild = children((v) => usageRecords.labels(v[0]!, v[1]!));

export function observeHttp(route: string, method: string, status: number, seconds: number): void {
  httpChild(route, method, String(status)).observe(seconds);
}

export function observeOperation(operation: string, type: string, outcome: string, seconds: number): void {
  operationChild(operation, type, outcome).observe(seconds);
}

export function countUsage(
  operation: 'recordUsage' | 'commitReservation' | 'recordUsageBatch',
  r: { ok: true } | { ok: false; error: { code: string } },
): void {
  usageChild(operation, r.ok ? 'OK' : r.error.code).inc();
}

/** What observeWorker needs of a BullMQ worker (kept structural: this module imports no BullMQ). */
interface ObservableWorker {
  name: string;
  on(event: 'completed', listener: (job: JobLike) => void): unknown;
  on(event: 'failed', listener: (job: JobLike | undefined, err: Error) => void): unknown;
}
interface JobLike {
  attemptsMade: number;
  opts: { attempts?: number };
  processedOn?: number;
  finishedOn?: number;
}

function ranSeconds(job: JobLike): number | null {
  return job.processedOn && job.finishedOn ? Math.max(0, job.finishedOn - job.processedOn) / 1000 : null;
}

/** Counts a worker's completed and failed jobs and times them. */
export function observeWorker(worker: ObservableWorker): void {
  const queue = worker.name;
  worker.on('completed', (job) => {
    jobsCompleted.inc({ queue });
    const s = ranSeconds(job);
    if (s !== null) jobDuration.observe({ queue }, s);
  });
  worker.on('failed', (job, err) => {
    const final = !job || err?.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    jobsFailed.inc({ queue, final: String(final) });
    const s = job ? ranSeconds(job) : null;
    if (s !== null) jobDuration.observe({ queue }, s);
  });
}
