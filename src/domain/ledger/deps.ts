import type { Clock } from '../../shared/clock';
import type { LedgerEvents } from '../ports';
import type { Em } from '../../db/em';

/** What every ledger use case needs: a forked entity manager, the clock, and where to tell changes. */
export interface LedgerDeps {
  em: Em;
  clock: Clock;
  events?: LedgerEvents;
}
