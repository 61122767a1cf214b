// The dashboard shows the newest balance by version whatever order the query answers and the live
// stream deliver them in: it never goes backwards.
import fc from 'fast-check';
import { newer } from '../../web/src/balance';
import type { BalanceFieldsFragment } from '../../web/src/gql/graphql';

const balance = (version: number): BalanceFieldsFragment => ({
  userId: 'u',
  balanceSeconds: version * 10,
  reservedSeconds: 0,
  availableSeconds: version * 10,
  periodIncludedSeconds: 0,
  periodUsedSeconds: 0,
  periodOverageSeconds: 0,
  periodOverageCents: 0,
  version,
  updatedAt: new Date(0).toISOString(),
});

describe('the dashboard balance', () => {
  it('never shows an older version than one it has shown, in any arrival order', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 30 }), (versions) => {
        let shown: BalanceFieldsFragment | null = null;
        let highest = -1;
        for (const v of versions) {
          shown = newer(shown, balance(v));
          expect(shown.version).toBeGreaterThanOrEqual(highest);
          highest = Math.max(highest, v);
          expect(shown.version).toBe(highest);
        }
      }),
    );
  });
});
