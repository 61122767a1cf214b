// The plan catalogue in memory, per process and database: read once, then answered from memory
// until Postgres says the plans changed (src/db/changes.ts; the trigger on plans). While the change
// listener does not listen, every call reads the table, as without the cache.
import { NO_CHANGES, type Changes } from '../../db/changes';
import { poolOf, type Em } from '../../db/em';
import { allPlans, type PlanRow } from './lookups';

class PlanCatalogue {
  private cached: Promise<PlanRow[]> | null = null;

  constructor(private readonly changes: Changes) {
    changes.on(() => {
      // any change may be of the plans (and `all` is): reading nine rows again costs nothing
      this.cached = null;
    });
  }

  get(em: () => Em): Promise<PlanRow[]> {
    if (this.cached && this.changes.live) return this.cached;
    const generation = this.changes.generation;
    const read = allPlans(em());
    read.then(
      () => {
        if (this.changes.live && this.changes.generation === generation) this.cached = read;
      },
      () => undefined,
    );
    return read;
  }
}

const catalogues = new WeakMap<object, PlanCatalogue>();

/** Keeps the plans of this entity manager's database in memory, forgotten on every change `changes` hears. */
export function cachePlans(em: Em, changes: Changes = NO_CHANGES): void {
  catalogues.set(poolOf(em), new PlanCatalogue(changes));
}

/**
 * The plans, in sort order: from memory when cachePlans was called for this database and its
 * listener listens. `read` gives the entity manager to read them with (when it must); by default `em`.
 */
export function plansOf(em: Em, read: () => Em = () => em): Promise<PlanRow[]> {
  return catalogues.get(poolOf(em))?.get(read) ?? allPlans(read());
}
