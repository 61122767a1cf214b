import type { Clock } from '../../shared/clock';
import type { Em } from './ledger-call';

/** What every ledger use case needs: a forked entity manager and the clock. */
export interface LedgerDeps {
  em: Em;
  clock: Clock;
}
