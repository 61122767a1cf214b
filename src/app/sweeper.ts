// The ledger's periodic work until the BullMQ workers arrive: release holds past their TTL, write
// off expired grants, close periods that have ended. Each pass is idempotent (the ledger functions
// settle under the user's lock), so several worker processes may run it at once.
import { limits } from '../config/limits';
import type { Orm } from '../db/orm';
import { closeDuePeriods } from '../domain/ledger/close-period';
import { expireDue } from '../domain/ledger/expire-due';
import type { LedgerEvents, Payments } from '../domain/ports';
import { billFinalPeriods } from '../domain/billing/bill-final-periods';
import { refreshUsageRollups } from '../domain/analytics/refresh-usage-rollups';
import type { Logger } from '../observability/logger';
import { databaseClock } from '../shared/clock';

export interface Sweeper {
  stop(): Promise<void>;
}

export function startSweeper(orm: Orm, events: LedgerEvents, intervalMs: number, logger: Logger, payments: Payments | null = null): Sweeper {
  const log = logger.child({ component: 'sweeper' });
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = async () => {
    const deps = { em: orm.em.fork(), clock: databaseClock, events };
    const settled = await expireDue(deps, limits.sweepBatchMax, (userId, err) => log.error({ userId, err }, 'settling a user failed'));
    const closed = await closeDuePeriods(deps, limits.sweepBatchMax, (periodId, err) => log.error({ periodId, err }, 'closing a period failed'));
    let billed = 0;
    if (payments) {
      // the final periods of cancelled memberships, and invoice lines that failed before
      const retry = await deps.em.getConnection().execute<{ period_id: string }[]>(
        `select period_id from overage_invoices where status <> 'INVOICED' and created_at < now() - interval '1 minute' limit 100`);
      const ids = [...new Set([...closed.filter((c) => c.overageCents > 0).map((c) => c.periodId), ...retry.map((r) => r.period_id)])];
      if (ids.length) billed = await billFinalPeriods({ em: deps.em, payments }, ids);
    }
    // analytics: fold new usage records into the daily rollup (issue #6; a job scheduler entry later)
    const rolled = await refreshUsageRollups({ em: deps.em }, { passesMax: 10 });
    if (settled.length || closed.length || billed || rolled.consumed) log.info({ settledUsers: settled.length, closedPeriods: closed.length, finalInvoices: billed, usageRolledUp: rolled.consumed }, 'sweep');
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = pass()
      .catch((err) => log.error({ err }, 'sweep failed; next pass retries'))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
