import fc from 'fast-check';
import { billedSeconds, compareConsumptionOrder, costCents, overageCents, overageMaxSeconds } from '../../src/domain/ledger/rules';
import { fingerprint } from '../../src/domain/ledger/validate';
import { canonicalForm, entryHash, GENESIS_HASH } from '../../src/domain/ledger/hash';

describe('billing rules', () => {
  it.each([
    // [used, increment, billed]
    [1, 1, 1],
    [59, 1, 59],
    [1, 60, 60],
    [60, 60, 60],
    [61, 60, 120],
    [0, 60, 0],
    [119, 30, 120],
  ])('bills %i s at an increment of %i s as %i s', (used, inc, billed) => {
    expect(billedSeconds(used, inc)).toBe(billed);
  });

  it.each([
    // [seconds, cents per minute, cents] — round half up once
    [1234, 30, 617],
    [60, 30, 30],
    [1, 30, 1],
    [1, 25, 0],
    [2, 25, 1],
    [6, 25, 3],
    [90, 25, 38],
    [30, 1, 1],
    [29, 1, 0],
    [150000, 20, 50000],
    [0, 30, 0],
  ])('costs %i s at %i c/min as %i c', (s, rate, cents) => {
    expect(costCents(s, rate)).toBe(cents);
  });

  it('caps the overage cost at the limit', () => {
    expect(overageCents(100_000, 30, 4900)).toBe(4900);
    expect(overageCents(600, 30, 4900)).toBe(300);
  });

  it.each([
    [300, 30, 600],
    [0, 30, 0],
    [4900, 30, 9800],
    [1, 20, 4],
    [14900, 25, 35761],
  ])('allows at most the overage seconds whose cost stays within %i c at %i c/min: %i s', (limit, rate, max) => {
    expect(overageMaxSeconds(limit, rate)).toBe(max);
  });

  it('keeps the overage maximum exactly at the edge of the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 500 }), (limit, rate) => {
        const max = overageMaxSeconds(limit, rate);
        return costCents(max, rate) <= limit && costCents(max + 1, rate) > limit;
      }),
    );
  });

  it('consumes the earliest expiry first, no expiry last, then the oldest', () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const grants = [
      { id: 'd', expiresAt: null, createdAt: t(1) },
      { id: 'c', expiresAt: null, createdAt: t(0) },
      { id: 'b', expiresAt: t(100), createdAt: t(5) },
      { id: 'a', expiresAt: t(50), createdAt: t(9) },
      { id: 'e', expiresAt: t(100), createdAt: t(2) },
    ];
    expect([...grants].sort(compareConsumptionOrder).map((g) => g.id)).toEqual(['a', 'e', 'b', 'c', 'd']);
  });

  it('fingerprints requests independently of parameter order', () => {
    expect(fingerprint('op', { b: 1, a: 'x' })).toBe(fingerprint('op', { a: 'x', b: 1 }));
    expect(fingerprint('op', { a: 1 })).not.toBe(fingerprint('op', { a: 2 }));
  });

  it('makes the canonical form unambiguous (length-prefixed fields)', () => {
    const base = {
      id: 'i',
      userId: 'u',
      sequence: 1,
      type: 'BONUS',
      amountSeconds: 5,
      balanceAfterSeconds: 5,
      description: 'ab',
      metadataText: null,
      reference: 'c',
      idempotencyKey: null,
      createdAt: new Date(0),
    };
    const shifted = { ...base, description: 'a', reference: 'bc' };
    expect(canonicalForm(base)).not.toBe(canonicalForm(shifted));
    expect(entryHash(GENESIS_HASH, base)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalForm({ ...base, description: '' })).not.toBe(canonicalForm({ ...base, description: null }));
  });
});
