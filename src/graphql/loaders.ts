// Per-request batching: a page of transactions with their grants costs a constant number of queries.
import DataLoader from 'dataloader';
import { loadPeriodUsage, NO_PERIOD, type PeriodUsage } from '../domain/ledger/get-balance';
import type { Em } from '../db/em';
import {
  allPlans,
  grantsByIds,
  membershipsByUserIds,
  usersByIds,
  type GrantRow,
  type MembershipRow,
  type PlanRow,
  type UserRow,
} from '../domain/queries/lookups';

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

export function createLoaders(em: Em): Loaders {
  let plans: Promise<PlanRow[]> | null = null;
  return {
    user: byKey(
      (ids) => usersByIds(em, ids),
      () => null,
    ),
    membership: byKey(
      (ids) => membershipsByUserIds(em, ids),
      () => null,
    ),
    grant: byKey(
      (ids) => grantsByIds(em, ids),
      () => null,
    ),
    periodUsage: byKey((ids) => loadPeriodUsage(em, ids), NO_PERIOD),
    plans: () => (plans ??= allPlans(em)),
  };
}
