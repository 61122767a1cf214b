// Group commit for recordUsage. Every usage is one call of vp_record_usage; what makes the hot path
// expensive is not that work but what each statement and transaction costs around it (a round trip,
// PL/pgSQL's per-transaction set-up of its expressions, a commit). So calls that arrive while
// earlier ones are on their way to the database wait and then go together: one statement, one
// transaction, one commit for the lot (vp_record_usage_many). Nothing waits on a timer: a call
// goes at once when fewer than `inFlightMax` statements are out, otherwise with the next batch. A
// user is in at most one statement out at a time (their calls wait for the next batch), so the
// process's own statements never wait for each other's locks and a user's calls apply in order.
//
// Each item keeps its own outcome: it runs in its own subtransaction, so a failure rolls back that
// item only. Every answer is given after the commit, so it is as durable as a single call's.
//
// Lock waits: a batch waits for no lock (lock_timeout near zero for its statement). An item whose
// user's row another transaction holds — a stuck client, or a hold, grant or other batch of that
// user from another process — leaves the batch at once ("busy"), with that user's later items; the others
// commit at their normal pace. The busy items go again alone, one statement per user outside the
// statements in flight, one at a time per user, with the one bounded wait
// (limits.usageLockWaitMsMax, vp_record_usage / vp_record_usage_many): after it, the first fails
// with SQLSTATE 55P03 (SERVICE_UNAVAILABLE to the client, retry with the same key) and that user's
// later items — and those that came back busy meanwhile — at once. One wait, never two.
import { limits } from '../../config/limits';
import { poolOf, type ConnectionPool, type Em } from '../../db/em';
import { BUSINESS_FAILURE_SQLSTATE, vpRecordUsage, vpRecordUsageMany, type Queryable, type RecordUsageArgs, type UsageAnswerJson } from '../../db/ledger';

/** One call to record: vp_record_usage's arguments (now null: the database's clock when it runs). */
export type UsageItem = Omit<RecordUsageArgs, 'backdateMaxSeconds'>;

/** An item's outcome: the ledger function's answer, or the business failure it raised (VPB01). */
export type UsageAnswer = { answer: UsageAnswerJson } | { failure: string; detail: string | null };

/** In a batch: the item's user was locked by another transaction; it goes again alone. */
const BUSY = Symbol('busy');
type Outcome = UsageAnswer | Error | typeof BUSY;

interface Waiting {
  item: UsageItem;
  resolve(a: UsageAnswer): void;
  reject(err: unknown): void;
}

interface PgError extends Error {
  code?: string;
  detail?: string;
}

/** A batch waits for no lock: a locked user's items come back busy (1 ms: lock_timeout 0 would mean no bound). */
const BATCH_LOCK_WAIT_MS = 1;
// a busy user's items, alone (vp_record_usage, vp_record_usage_many), have the one bounded wait,
// limits.usageLockWaitMsMax
const LOCK_NOT_AVAILABLE = '55P03';

/** A user as the database orders and locks them: ids arrive in any case. */
const userKey = (i: UsageItem) => i.userId.toLowerCase();

/** A call whose user's row stayed locked through the bounded wait of an earlier call of that user. */
function lockTimeoutInBatch(): PgError {
  const err: PgError = new Error('lock timeout on an earlier call of this user');
  err.code = LOCK_NOT_AVAILABLE;
  return err;
}

/** A deadlock or serialization failure aborted the whole statement: nothing committed, so it runs again. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS_MAX = 3;

/** Too many calls wait in this process already: refused at once, changed nothing (retry with the same key). */
export class UsageQueueFullError extends Error {
  override name = 'UsageQueueFullError';
  constructor(queued: number) {
    super(`${queued} recordUsage calls wait for the database in this process already`);
  }
}

export class UsageBatcher {
  private queue: Waiting[] = [];
  /** Users with calls in a statement out (lower-case ids). */
  private readonly usersInFlight = new Set<string>();
  /** Users with a statement of their busy items out; what came back busy since waits here for it. */
  private readonly aloneRuns = new Map<string, Waiting[]>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly client: ConnectionPool,
    private readonly inFlightMax = settings.inFlightMax,
    private readonly itemsMax = limits.usageBatchItemsMax,
    private readonly queuedMax: number = limits.usageQueuedCallsMax,
  ) {}

  submit(item: UsageItem): Promise<UsageAnswer> {
    if (this.queue.length >= this.queuedMax) return Promise.reject(new UsageQueueFullError(this.queue.length));
    return new Promise<UsageAnswer>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      // calls made in the same tick go together
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < this.inFlightMax && this.queue.length > 0) {
      // what waits is shared evenly over the free slots, so the database works on it in parallel
      const slots = this.inFlightMax - this.inFlight;
      const batch = this.take(Math.min(this.itemsMax, Math.ceil(this.queue.length / slots)), slots);
      if (batch.length === 0) return; // all that waits is of users in flight: it goes when they come back
      const users = new Set(batch.map((w) => userKey(w.item)));
      for (const u of users) this.usersInFlight.add(u);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        for (const u of users) this.usersInFlight.delete(u);
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  /**
   * The next batch: at most `size` calls, in arrival order, of users in none of the statements out
   * (so this process's batches never wait for each other's locks, and a user's calls apply in the
   * order they came), with the users that can go shared over the free slots.
   */
  private take(size: number, slots: number): Waiting[] {
    const free = new Set<string>();
    for (const w of this.queue) {
      const u = userKey(w.item);
      if (!this.usersInFlight.has(u)) free.add(u);
    }
    if (free.size === 0) return [];
    const usersMax = Math.ceil(free.size / slots);
    const mine = new Set<string>();
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    for (const w of this.queue) {
      const u = userKey(w.item);
      if (batch.length < size && free.has(u) && (mine.has(u) || mine.size < usersMax)) {
        mine.add(u);
        batch.push(w);
      } else {
        rest.push(w);
      }
    }
    this.queue = rest;
    return batch;
  }

  /**
   * Runs the batch; what a deadlock or serialization failure aborted runs again, at most
   * ATTEMPTS_MAX times in all: the whole statement (nothing of it committed), or in a batch the
   * items that came back with it (each rolled back to its own savepoint, the others committed).
   * Items of a user whose row was locked leave the batch and go again alone (`lockedOut`), without
   * holding this statement's place among those in flight.
   */
  private async run(batch: Waiting[], alone = false): Promise<void> {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let answers: Outcome[];
      try {
        answers = alone ? await this.alone(pending.map((w) => w.item)) : await this.many(pending.map((w) => w.item));
      } catch (err) {
        if (attempt < ATTEMPTS_MAX && RETRYABLE.has((err as PgError).code ?? '')) continue;
        for (const w of pending) w.reject(err);
        return;
      }
      const again: Waiting[] = [];
      const busy: Waiting[] = [];
      pending.forEach((w, i) => {
        const a = answers[i]!;
        if (a === BUSY) busy.push(w);
        else if (!(a instanceof Error)) w.resolve(a);
        else if (attempt < ATTEMPTS_MAX && RETRYABLE.has((a as PgError).code ?? '')) again.push(w);
        else w.reject(a);
      });
      if (busy.length > 0) this.lockedOut(busy);
      pending = again;
    }
  }

  /**
   * Busy items go again alone, one statement per user, each with the one bounded wait; these
   * statements are not counted in flight. A user has one such statement at a time (a stuck user
   * takes one connection, however many calls come for them): items that come back busy meanwhile
   * wait for it, then fail at once if it ran out of its wait (the user is stuck), else go next.
   */
  private lockedOut(busy: Waiting[]): void {
    const byUser = new Map<string, Waiting[]>();
    for (const w of busy) {
      const u = userKey(w.item);
      byUser.set(u, [...(byUser.get(u) ?? []), w]);
    }
    for (const [u, group] of byUser) {
      const running = this.aloneRuns.get(u);
      if (running) running.push(...group);
      else void this.runAlone(u, group);
    }
  }

  private async runAlone(user: string, first: Waiting[]): Promise<void> {
    const waiting: Waiting[] = [];
    this.aloneRuns.set(user, waiting);
    let stuck = false;
    // a rejection with a lock timeout tells that the user's row stayed locked for the whole wait
    const watched = (ws: Waiting[]) =>
      ws.map((w): Waiting => ({
        item: w.item,
        resolve: w.resolve,
        reject: (err) => {
          if ((err as PgError).code === LOCK_NOT_AVAILABLE) stuck = true;
          w.reject(err);
        },
      }));
    try {
      for (let group = first; group.length > 0; group = waiting.splice(0)) {
        if (stuck) {
          for (const w of group) w.reject(lockTimeoutInBatch());
        } else {
          await this.run(watched(group), true);
        }
      }
    } finally {
      this.aloneRuns.delete(user);
    }
  }

  private alone(items: UsageItem[]): Promise<Outcome[]> {
    return items.length === 1 ? this.one(items[0]!).then((a) => [a]) : this.many(items, false, limits.usageLockWaitMsMax);
  }

  private async onConnection<R>(fn: (conn: Queryable) => Promise<R>): Promise<R> {
    const conn = await this.client.acquireConnection();
    try {
      return await fn(conn);
    } finally {
      await this.client.releaseConnection(conn);
    }
  }

  private async one(i: UsageItem): Promise<UsageAnswer> {
    try {
      return {
        answer: await this.onConnection((conn) =>
          vpRecordUsage.query(conn, {
            userId: i.userId,
            seconds: i.seconds,
            idempotencyKey: i.idempotencyKey,
            fingerprint: i.fingerprint,
            callId: i.callId,
            occurredAt: i.occurredAt,
            description: i.description,
            now: i.now,
            backdateMaxSeconds: limits.usageBackdateSecondsMax,
          }),
        ),
      };
    } catch (err) {
      const e = err as PgError;
      if (e.code === BUSINESS_FAILURE_SQLSTATE) return { failure: e.message, detail: e.detail || null };
      throw err;
    }
  }

  /** lockedBusy: a batch (a locked user's items come back busy); else one user's items, alone. */
  private async many(items: UsageItem[], lockedBusy = true, lockWaitMs = BATCH_LOCK_WAIT_MS): Promise<Outcome[]> {
    const args = { items: JSON.stringify(items), backdateMaxSeconds: limits.usageBackdateSecondsMax, lockedBusy };
    const out = await this.onConnection((conn) => vpRecordUsageMany.query(conn, args, { lockWaitMs }));
    return out.map((o): Outcome => {
      if (o.ok) return { answer: o.ok };
      if (o.busy) return BUSY;
      if (o.failure) return { failure: o.failure, detail: o.detail ?? null };
      const err: PgError = new Error(o.error ?? 'recordUsage failed in its batch');
      err.code = o.sqlstate;
      err.detail = o.detail ?? undefined;
      return err;
    });
  }
}

const batchers = new WeakMap<object, UsageBatcher>();

/** USAGE_BATCHES_IN_FLIGHT; 2 keeps both cores of a small database busy while calls queue up to go together. */
const settings = { inFlightMax: 2 };

/** Sets how many usage statements a process has out at once (for batchers made after this call). */
export function configureUsageBatching(opts: { inFlightMax: number }): void {
  if (!Number.isInteger(opts.inFlightMax) || opts.inFlightMax < 1)
    throw new Error(`usage batches in flight must be a positive integer, got ${opts.inFlightMax}`);
  settings.inFlightMax = opts.inFlightMax;
}

/** The batcher of the entity manager's pool (one per pool, so per process and database). */
export function usageBatcherOf(em: Em): UsageBatcher {
  const client = poolOf(em);
  let b = batchers.get(client);
  if (!b) {
    b = new UsageBatcher(client);
    batchers.set(client, b);
  }
  return b;
}
