// The plan catalogue and the users in memory, per process and database: read once, then answered
// from memory until Postgres says they changed (src/db/changes.ts; the triggers on plans and users).
// While the change listener does not listen, every call reads the table, as without the cache.
import { NO_CHANGES, type Changes } from '../../db/changes';
import { poolOf, type Em } from '../../db/em';
import { allPlans, usersByIds, type PlanRow, type UserRow } from './lookups';

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

const USERS_MAX = 100_000;

/** Users by id, read once, then from memory until Postgres says the user changed. */
class UserCache {
  private readonly rows = new Map<string, UserRow>();

  constructor(private readonly changes: Changes) {
    changes.on((c) => {
      if (c.kind === 'user') this.rows.delete(c.id);
      else if (c.kind !== 'key' && c.kind !== 'plans') this.rows.clear();
    });
  }

  async get(em: () => Em, ids: readonly string[]): Promise<Map<string, UserRow>> {
    const found = new Map<string, UserRow>();
    const missing: string[] = [];
    for (const id of ids) {
      const row = this.changes.live ? this.rows.get(id.toLowerCase()) : undefined;
      if (row) found.set(id, row);
      else missing.push(id);
    }
    if (missing.length === 0) return found;
    const generation = this.changes.generation;
    const read = await usersByIds(em(), missing);
    const keep = this.changes.live && this.changes.generation === generation;
    for (const [id, row] of read) {
      found.set(id, row);
      if (keep) {
        if (this.rows.size >= USERS_MAX) this.rows.delete(this.rows.keys().next().value!);
        this.rows.set(id.toLowerCase(), row);
      }
    }
    return found;
  }
}

const catalogues = new WeakMap<object, PlanCatalogue>();
const userCaches = new WeakMap<object, UserCache>();

/** Keeps the plans of this entity manager's database in memory, forgotten on every change `changes` hears. */
export function cachePlans(em: Em, changes: Changes = NO_CHANGES): void {
  catalogues.set(poolOf(em), new PlanCatalogue(changes));
  userCaches.set(poolOf(em), new UserCache(changes));
}

/** Users by id (the API's loader): from memory when cachePlans was called for this database and its listener listens. */
export function cachedUsersByIds(em: Em, ids: readonly string[], read: () => Em = () => em): Promise<Map<string, UserRow>> {
  return userCaches.get(poolOf(em))?.get(read, ids) ?? usersByIds(read(), ids);
}

/**
 * The plans, in sort order: from memory when cachePlans was called for this database and its
 * listener listens. `read` gives the entity manager to read them with (when it must); by default `em`.
 */
export function plansOf(em: Em, read: () => Em = () => em): Promise<PlanRow[]> {
  return catalogues.get(poolOf(em))?.get(read) ?? allPlans(read());
}
