// The ledger's periodic work until the BullMQ workers arrive: release holds past their TTL, write
// off expired grants, close periods that have ended. Each pass is idempotent (the ledger functions
// settle under the user's lock), so several worker processes may run it at once.
import { limits } from '../config/limits';
import type { Orm } from '../db/orm';
import { closeDuePeriods } from '../domain/ledger/close-period';
import { expireDue } from '../domain/ledger/expire-due';
import type { LedgerEvents } from '../domain/ports';
import type { Logger } from '../observability/logger';
import { databaseClock } from '../shared/clock';

export interface Sweeper {
  stop(): Promise<void>;
}

export function startSweeper(orm: Orm, events: LedgerEvents, intervalMs: number, logger: Logger): Sweeper {
  const log = logger.child({ component: 'sweeper' });
  let running: Promise<void> | null = null;
  let stopped = false;
  const pass = async () => {
    const deps = { em: orm.em.fork(), clock: databaseClock, events };
    const settled = await expireDue(deps, limits.sweepBatchMax, (userId, err) => log.error({ userId, err }, 'settling a user failed'));
    const closed = await closeDuePeriods(deps, limits.sweepBatchMax, (periodId, err) => log.error({ periodId, err }, 'closing a period failed'));
    if (settled.length || closed.length) log.info({ settledUsers: settled.length, closedPeriods: closed.length }, 'sweep');
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
