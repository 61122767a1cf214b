// Per-request batching: a page of transactions with their grants costs a constant number of queries.
// Each loader is made when a resolver first asks for it (most requests need none). The plan
// catalogue is the process's (plansOf): in memory, forgotten when Postgres says it changed.
import DataLoader from 'dataloader';
import { loadPeriodUsage, NO_PERIOD, type PeriodUsage } from '../domain/ledger/get-balance';
import type { Em } from '../db/em';
import { grantsByIds, membershipsByUserIds, usersByIds, type GrantRow, type MembershipRow, type PlanRow, type UserRow } from '../domain/queries/lookups';
import { cachedUsersByIds, plansOf } from '../domain/queries/plan-catalogue';

export interface Loaders {
  user: DataLoader<string, UserRow | null>;
  membership: DataLoader<string, MembershipRow | null>;
  grant: DataLoader<string, GrantRow | null>;
  periodUsage: DataLoader<string, PeriodUsage>;
  plans(): Promise<PlanRow[]>;
}

function byKey<V>(load: (ids: readonly string[]) => Promise<Map<string, V>>, fallback: (id: string) => V) {
  return new DataLoader<string, V>(async (ids) => {
    const found = await load(ids);
    return ids.map((id) => found.get(id) ?? fallback(id));
  });
}

/**
 * `given` may be a function, called when a loader first needs the database; `root` (any entity
 * manager of the same database, e.g. the ORM's) finds the plan catalogue without making one.
 */
export function createLoaders(given: Em | (() => Em), root?: Em): Loaders {
  let em: Em | null = typeof given === 'function' ? null : given;
  const db = () => (em ??= (given as () => Em)());
  // users and memberships are read straight from the pool (lookups.ts): no fork needed for them
  const pooled = () => root ?? db();
  let user: Loaders['user'] | undefined;
  let membership: Loaders['membership'] | undefined;
  let grant: Loaders['grant'] | undefined;
  let periodUsage: Loaders['periodUsage'] | undefined;
  let plans: Promise<PlanRow[]> | null = null;
  return {
    get user() {
      return (user ??= byKey(
        (ids) => (root ? cachedUsersByIds(root, ids, pooled) : usersByIds(pooled(), ids)),
        () => null,
      ));
    },
    get membership() {
      return (membership ??= byKey(
        (ids) => membershipsByUserIds(pooled(), ids),
        () => null,
      ));
    },
    get grant() {
      return (grant ??= byKey(
        (ids) => grantsByIds(db(), ids),
        () => null,
      ));
    },
    get periodUsage() {
      return (periodUsage ??= byKey((ids) => loadPeriodUsage(db(), ids), NO_PERIOD));
    },
    plans: () => (plans ??= root ? plansOf(root, db) : plansOf(db())),
  };
}
