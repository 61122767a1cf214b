// Keeps the usage rollup (usage_daily: per user, per local day, per plan) up to date by folding in
// the usage records written since the last pass, by id, up to a horizon that no open transaction
// can still write below (see Migration20261124000020_analytics). Adds nothing to the usage hot
// path. Run periodically by the worker and, bounded, before answering a query, so answers include
// the usage committed before the query began. Safe to run concurrently and twice (serialized by an
// advisory lock; each record is folded in exactly once).
import { limits } from '../../config/limits';
import { withConnection, type Em } from '../../db/em';
import { vpRefreshUsageRollups, type RollupPassJson } from '../../db/ledger';

export type RollupPass = RollupPassJson;

export interface RefreshOutcome {
  /** Usage records folded in by this call. */
  consumed: number;
  passes: number;
  /** True when passesMax was reached with records left (the next call continues). */
  more: boolean;
  /** Every usage record committed before this moment is in the rollup (when more is false). */
  horizonAt: Date;
}

export interface RefreshOptions {
  batchMax?: number;
  passesMax?: number;
  /**
   * Catch up to the moment of the first pass: if transactions were open then, pass again (after a
   * short pause) until they have finished, for at most this long. 0 = do not wait.
   */
  waitMs?: number;
}

const PAUSE_MS = 5;

export async function refreshUsageRollups(deps: { em: Em }, opts: RefreshOptions = {}): Promise<RefreshOutcome> {
  const batchMax = opts.batchMax ?? limits.usageRollupBatchMax;
  const passesMax = opts.passesMax ?? Number.MAX_SAFE_INTEGER;
  // the pass takes its own advisory lock and waits for no user's row: no lock-wait bound
  const pass = () => withConnection(deps.em, (conn) => vpRefreshUsageRollups.query(conn, { batchMax }, { lockWaitMs: null }));
  let r = await pass();
  const target = r.at;
  const waitUntil = Date.now() + (opts.waitMs ?? 0);
  let consumed = r.consumed;
  let passes = 1;
  for (;;) {
    if (r.more) {
      if (passes >= passesMax) break;
    } else if (new Date(r.horizonAt) < new Date(target) && Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    } else break;
    r = await pass();
    passes += 1;
    consumed += r.consumed;
  }
  return { consumed, passes, more: r.more, horizonAt: new Date(r.horizonAt) };
}

/** The bounded catch-up a query runs before it reads the rollup. */
export function catchUpRollups(deps: { em: Em }): Promise<RefreshOutcome> {
  return refreshUsageRollups(deps, { passesMax: limits.usageRollupCatchUpPassesMax, waitMs: limits.usageRollupCatchUpWaitMs });
}
