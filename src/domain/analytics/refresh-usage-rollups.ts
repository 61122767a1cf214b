// Keeps the usage rollup (usage_daily: per user, per local day, per plan) up to date by folding in
// the usage records written since the last pass, by id, up to a horizon that no open transaction
// can still write below (see Migration20261124000020_analytics). Adds nothing to the usage hot
// path. Run periodically by the worker and, bounded, before answering a query, so answers include
// every usage committed before the query began. Safe to run concurrently and twice (serialized by
// an advisory lock; each record is folded in exactly once).
import { limits } from '../../config/limits';
import type { Em } from '../ledger/ledger-call';

export interface RollupPass {
  consumed: number;
  more: boolean;
  lastId: string;
  horizonAt: string;
}

export interface RefreshOutcome {
  /** Usage records folded in by this call. */
  consumed: number;
  passes: number;
  /** True when passesMax was reached with records left (the next call continues). */
  more: boolean;
}

export async function refreshUsageRollups(
  deps: { em: Em },
  opts: { batchMax?: number; passesMax?: number } = {},
): Promise<RefreshOutcome> {
  const batchMax = opts.batchMax ?? limits.usageRollupBatchMax;
  const passesMax = opts.passesMax ?? Number.MAX_SAFE_INTEGER;
  const conn = deps.em.getConnection();
  let consumed = 0;
  let passes = 0;
  let more = true;
  while (more && passes < passesMax) {
    const [row] = await conn.execute<{ r: RollupPass }[]>('select vp_refresh_usage_rollups(?) as r', [batchMax]);
    passes += 1;
    consumed += row!.r.consumed;
    more = row!.r.more;
  }
  return { consumed, passes, more };
}

/** The bounded catch-up a query runs before it reads the rollup. */
export function catchUpRollups(deps: { em: Em }): Promise<RefreshOutcome> {
  return refreshUsageRollups(deps, { passesMax: limits.usageRollupCatchUpPassesMax });
}
