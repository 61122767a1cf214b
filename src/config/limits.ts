// Every limit of the service in one place, named …Max / …Min with its unit, and their relations
// asserted when this module loads, so a bad edit fails at boot rather than in production.

export const limits = {
  /** Longest client-chosen idempotency key (billing rules §7). */
  idempotencyKeyLengthMax: 128,
  /** Largest single usage, hold or grant: 31 days of continuous talk. */
  secondsPerOperationMax: 31 * 24 * 3600,
  /**
   * Largest balance of an account (billing rules §4), enforced by the ledger SQL
   * (vp_balance_seconds_max, migration 0170): a grant, refund or adjustment past it fails with
   * BALANCE_LIMIT_EXCEEDED and writes nothing; a rollover is capped by it. Sums of seconds
   * (period totals, analytics) may pass it and are SafeInt in the API.
   */
  balanceSecondsMax: 2 ** 31 - 1,
  /** Hold TTL bounds (billing rules §4). */
  holdTtlSecondsMin: 1,
  holdTtlSecondsMax: 3600,
  /** Active holds one user may have at once (concurrent calls). */
  holdsPerUserMax: 200,
  /** Free-text lengths. */
  descriptionLengthMax: 500,
  callIdLengthMax: 128,
  referenceLengthMax: 255,
  emailLengthMax: 254,
  /** Billing increment bounds of a plan. */
  usageIncrementSecondsMax: 3600,
  /** Overage limit a user may set: €100,000 a period. */
  overageLimitCentsMax: 10_000_000,
  /**
   * Group commit of recordUsage (src/domain/ledger/usage-batcher.ts): most calls in one statement.
   * Each is a subtransaction, and Postgres keeps 64 subtransaction ids per transaction in shared
   * memory (beyond that every snapshot gets slower). How many statements go out at once is
   * configuration (USAGE_BATCHES_IN_FLIGHT).
   */
  usageBatchItemsMax: 32,
  /**
   * Items one recordUsageBatch request may carry (the voice engine's batch mutation). They go
   * through the same group commit as recordUsage calls, usageBatchItemsMax per statement.
   */
  usageBatchRequestItemsMax: 1000,
  /**
   * Longest wait of any ledger call (recordUsage, holds, grants, adjustments, refunds: every
   * ledger call) for a lock, its user's row above all (Postgres lock_timeout, one wait per call):
   * a transaction that holds the row longer (stuck) fails the call with SERVICE_UNAVAILABLE, nothing
   * written. A recordUsage batch waits for no lock: a locked user's calls leave it and wait this
   * long alone, outside the process's few statements in flight (that user's later calls fail at once).
   */
  usageLockWaitMsMax: 5000,
  /**
   * recordUsage calls one process lets wait for a statement; one more is refused at once with
   * SERVICE_UNAVAILABLE (retry with the same key) rather than queued without end while the database
   * cannot keep up. About 5 s of the hot path's rate on one process.
   */
  usageQueuedCallsMax: 10_000,
  /** How far back a usage may be dated. */
  usageBackdateSecondsMax: 7 * 24 * 3600,
  /** Rows one sweep (hold expiry, grant expiry, period close) handles per call. */
  sweepBatchMax: 500,
  /** Memberships one reconciliation pass compares with Stripe (the oldest-checked first). */
  reconcileBatchMax: 200,
  /** Tries of one overage invoice line before it is left FAILED (with last_error) for an operator. */
  overageInvoiceAttemptsMax: 10,
  /** Days a REFUND grant lives when the original grant has expired and there is no membership. */
  refundFallbackExpiryDays: 30,
  /** GraphQL: deepest selection, most fields (each field 1, a connection's selection × its page size), aliases, page size (src/graphql/limits-rule.ts). */
  graphqlDepthMax: 8,
  graphqlComplexityMax: 2000,
  graphqlAliasesMax: 50,
  pageSizeDefault: 20,
  pageSizeMax: 100,
  /** HTTP request body. */
  requestBodyBytesMax: 1024 * 1024,
  /** WebSockets: connections per user per API process, subscriptions per connection, pings. */
  wsConnectionsPerUserMax: 20,
  wsSubscriptionsPerSocketMax: 10,
  wsKeepAliveMs: 12_000,
  wsConnectionInitTimeoutMs: 5_000,
  /** Personal data export: how long a download link works, and rows read per page while streaming. */
  exportLinkTtlSeconds: 600,
  exportPageRowsMax: 1000,
  /** Ledger reconciliation: users per batch read, and verified at once. */
  reconcileBatchUsersMax: 200,
  reconcileConcurrencyMax: 4,
  /** How long one /metrics scrape waits for Redis or Postgres before it reports the gauge unavailable. */
  metricsScrapeTimeoutMs: 1000,
  /** Analytics: longest query range, most usage buckets in one answer, rollup batches. */
  analyticsRangeDaysMax: 3660,
  usageBucketsMax: 400,
  /** Usage records one rollup pass folds in, and passes a query runs to catch up before answering. */
  usageRollupBatchMax: 20_000,
  usageRollupCatchUpPassesMax: 5,
  /** Passes one run of the periodic rollup job makes at most (the next tick continues). */
  usageRollupJobPassesMax: 10,
  /** How long a query's catch-up waits for transactions open when it began to finish. */
  usageRollupCatchUpWaitMs: 100,
  /** Highest agent cost per hour accepted by roi: €10,000. */
  agentCostCentsPerHourMax: 1_000_000,
  /** Bearer token lifetime of `npm run token`. */
  devTokenTtlSecondsDefault: 3600,
} as const;

function assertLimits(): void {
  const l = limits;
  const ok =
    l.holdTtlSecondsMin >= 1 &&
    l.holdTtlSecondsMin <= l.holdTtlSecondsMax &&
    l.secondsPerOperationMax < 2 ** 31 &&
    l.secondsPerOperationMax <= l.balanceSecondsMax &&
    l.balanceSecondsMax <= 2 ** 31 - 1 &&
    l.secondsPerOperationMax * l.holdsPerUserMax < Number.MAX_SAFE_INTEGER &&
    l.idempotencyKeyLengthMax >= 16 &&
    l.usageIncrementSecondsMax <= l.holdTtlSecondsMax &&
    l.sweepBatchMax > 0 &&
    l.pageSizeDefault <= l.pageSizeMax &&
    l.pageSizeMax * 10 <= l.graphqlComplexityMax &&
    l.usageBucketsMax >= 366 &&
    l.usageRollupBatchMax > 0 &&
    l.usageRollupCatchUpPassesMax > 0 &&
    l.exportLinkTtlSeconds > 0 &&
    l.exportPageRowsMax > 0 &&
    l.reconcileConcurrencyMax >= 1 &&
    l.reconcileConcurrencyMax <= l.reconcileBatchUsersMax;
  if (!ok) throw new Error('limits.ts: the limits contradict each other');
}

assertLimits();
