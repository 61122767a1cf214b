import type { Clock } from '../../shared/clock';
import type { Em } from '../../db/em';

/** What the analytics use cases need: a forked entity manager, the clock, the cost of goods. */
export interface AnalyticsDeps {
  em: Em;
  clock: Clock;
  /** Cost of goods per used minute (billing rules §2; COGS_CENTS_PER_MINUTE). */
  cogsCentsPerMinute: number;
}

/** Now: the test clock, or the database's (the one clock of production). */
export async function nowOf(deps: Pick<AnalyticsDeps, 'em' | 'clock'>): Promise<Date> {
  const fixed = deps.clock.now();
  if (fixed) return fixed;
  const [row] = await deps.em.getConnection().execute<{ now: Date | string }[]>('select now() as now');
  return new Date(row!.now);
}
