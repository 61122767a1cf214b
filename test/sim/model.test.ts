// The simulator's reference model on its own: the rules it is written from, as tables and short
// stories, so a wrong model is caught here and not mistaken for a service defect.
import { CustomerModel, DAY_MS, overageCents, overageMaxSeconds } from './model';

const T0 = Date.UTC(2027, 0, 4);

describe('the reference model', () => {
  it.each([
    [1234, 30, 617],
    [1, 30, 1],
    [1, 25, 0],
    [2, 25, 1],
    [90, 25, 38],
    [0, 30, 0],
  ])('costs %i s at %i c/min as %i c (round half up once)', (s, rate, cents) => {
    expect(overageCents(s, rate)).toBe(cents);
  });

  it.each([
    [4900, 30],
    [1, 30],
    [300, 25],
    [39900, 20],
    [1, 25],
  ])('allows the most overage seconds whose cost stays within %i c at %i c/min', (limit, rate) => {
    const s = overageMaxSeconds(limit, rate);
    expect(overageCents(s, rate)).toBeLessThanOrEqual(limit);
    expect(overageCents(s + 1, rate)).toBeGreaterThan(limit);
  });

  it('allows no overage with a limit of 0', () => {
    expect(overageMaxSeconds(0, 30)).toBe(0);
  });

  it('consumes the earliest expiring grant first and non-expiring grants last', () => {
    const m = new CustomerModel();
    m.subscriptionStarted('STARTER', T0, T0 + 30 * DAY_MS, T0);
    m.grantBonus(1000, null, T0);
    m.grantBonus(500, T0 + 2 * DAY_MS, T0);
    m.recordUsage(600, T0 + DAY_MS);
    // the 2-day bonus went first (500), then the PLAN grant (100); the open-ended bonus is untouched
    m.advance(T0 + 3 * DAY_MS);
    expect(m.balance()).toBe(12_000 - 100 + 1000);
  });

  it('grants a renewed period at its first second, so usage before its invoice is paid is no overage', () => {
    const m = new CustomerModel();
    const end = T0 + 30 * DAY_MS;
    m.subscriptionStarted('STARTER', T0, end, T0);
    m.recordUsage(12_010, T0 + DAY_MS); // 10 s of overage in the first period
    m.advance(end);
    m.renewalOpened('STARTER', end, end + 30 * DAY_MS, end);
    m.recordUsage(10, end + 60_000); // in the gap before invoice.paid
    m.renewalInvoiceCreated(end);
    expect(m.items).toEqual([{ overageSeconds: 10, amountCents: 5, periodStart: T0, on: 'renewal' }]);
    expect(m.period!.overageSeconds).toBe(0);
    expect(m.balance()).toBe(11_990);
  });

  it('bills the overage of an immediate cancellation at once on a final invoice and expires the PLAN seconds', () => {
    const m = new CustomerModel();
    m.subscriptionStarted('STARTER', T0, T0 + 30 * DAY_MS, T0);
    m.grantBonus(100, null, T0);
    m.recordUsage(12_100 + 351, T0 + DAY_MS);
    m.endedNow(T0 + 2 * DAY_MS, false);
    expect(m.items).toEqual([{ overageSeconds: 351, amountCents: 176, periodStart: T0, on: 'final' }]);
    expect(m.status).toBe('CANCELED');
  });

  it("caps a period's bill at the highest overage limit in force while overage was used", () => {
    const m = new CustomerModel();
    const end = T0 + 30 * DAY_MS;
    m.subscriptionStarted('STARTER', T0, end, T0);
    m.setOverageLimit(300);
    expect(m.recordUsage(12_000 + 600, T0 + DAY_MS).ok).toBe(true); // 300 c exactly
    expect(m.recordUsage(1, T0 + DAY_MS).ok).toBe(false);
    m.setOverageLimit(100);
    m.advance(end);
    m.renewalInvoiceCreated(end);
    expect(m.items.map((i) => i.amountCents)).toEqual([300]);
  });

  it('expires what is left of a renewal that ends unpaid', () => {
    const m = new CustomerModel();
    const end = T0 + 30 * DAY_MS;
    m.subscriptionStarted('STARTER', T0, end, T0);
    m.advance(end);
    m.renewalOpened('STARTER', end, end + 30 * DAY_MS, end);
    m.paymentFailed();
    m.recordUsage(2000, end + DAY_MS); // granted seconds stay usable while PAST_DUE
    expect(m.recordUsage(20_000, end + DAY_MS).ok).toBe(false); // no overage while PAST_DUE
    m.endedNow(end + 10 * DAY_MS, true);
    expect(m.balance()).toBe(0);
  });

  it('refunds along the lineage as REFUND grants that expire with the grant that paid', () => {
    const m = new CustomerModel();
    const end = T0 + 30 * DAY_MS;
    m.subscriptionStarted('STARTER', T0, end, T0);
    m.recordUsage(500, T0 + DAY_MS, 0);
    expect(m.refund(0, 600, T0 + DAY_MS).ok).toBe(false);
    expect(m.refund(0, 200, T0 + DAY_MS).ok).toBe(true);
    expect(m.balance()).toBe(11_700);
    m.advance(end);
    expect(m.balance()).toBe(0);
  });

  it('adjusts up with a non-expiring grant and down never below zero', () => {
    const m = new CustomerModel();
    expect(m.adjust(300, T0).ok).toBe(true);
    expect(m.adjust(-301, T0).ok).toBe(false);
    expect(m.adjust(-300, T0).ok).toBe(true);
    expect(m.balance()).toBe(0);
  });
});
