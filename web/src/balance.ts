import type { BalanceFieldsFragment } from './gql/graphql';

/**
 * The balance to show: the newer by version. Balances arrive by two paths (query answers and the
 * live stream) in any order; an older one never replaces a newer one, so the screen never goes back.
 */
export function newer(prev: BalanceFieldsFragment | null, next: BalanceFieldsFragment): BalanceFieldsFragment {
  return !prev || next.version > prev.version ? next : prev;
}
