// The job table: every job type has a handler (boot refuses otherwise), and the schedules follow the
// configuration (Stripe work only with Stripe).
import { loadConfig } from '../../src/config/env';
import { assertJobsComplete, JOB_HANDLERS } from '../../src/queues/job-handlers';
import { jobIdOf, JOB_TYPES, QUEUE_NAMES } from '../../src/queues/jobs';
import { schedulesFor } from '../../src/queues/workers';

describe('job table', () => {
  it('has a handler for every job type and a queue for every type', () => {
    expect(() => assertJobsComplete()).not.toThrow();
    for (const queue of Object.values(JOB_TYPES)) expect(QUEUE_NAMES).toContain(queue);
  });

  it('refuses a job type without handler, and a handler without job type', () => {
    const { 'close-periods': _dropped, ...missing } = JOB_HANDLERS;
    expect(() => assertJobsComplete(missing)).toThrow(/job types without a handler: \[close-periods\]/);
    expect(() => assertJobsComplete({ ...JOB_HANDLERS, 'mine-bitcoin': async () => undefined })).toThrow(/handlers without a job type: \[mine-bitcoin\]/);
  });

  it('schedules the ledger sweeps and the erasure sweep always, and the Stripe sweeps only with Stripe', () => {
    const bare = schedulesFor(loadConfig({ SWEEP_INTERVAL_MS: '250' }));
    expect(bare.map((s) => [s.type, s.everyMs])).toEqual([
      ['expire-holds', 250],
      ['close-periods', 250],
      ['enqueue-pending-erasures', 1000],
      ['verify-ledgers', 86_400_000],
      ['refresh-usage-rollups', 250],
    ]);
    const stripe = schedulesFor(
      loadConfig({
        SWEEP_INTERVAL_MS: '250',
        RECONCILE_INTERVAL_MS: '60000',
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_WEBHOOK_SECRET: 'whsec_x',
        STRIPE_PRICE_STARTER: 'price_s',
        STRIPE_PRICE_BUSINESS: 'price_b',
        STRIPE_PRICE_ENTERPRISE: 'price_e',
      }),
    );
    expect(stripe.map((s) => [s.type, s.everyMs])).toEqual([
      ['expire-holds', 250],
      ['close-periods', 250],
      ['enqueue-pending-erasures', 1000],
      ['verify-ledgers', 86_400_000],
      ['refresh-usage-rollups', 250],
      ['enqueue-stuck-events', 1000],
      ['reconcile-stripe', 60_000],
    ]);
  });

  it('gives a job an id from its business identity, with no ":" and never all digits', () => {
    expect(jobIdOf({ name: 'process-stripe-event', data: { eventId: 'evt_1:2' } })).toBe('stripe-event-evt_1_2');
    expect(jobIdOf({ name: 'erase-user', data: { userId: '0190A1B2-0000-7000-8000-000000000001' } })).toBe('erase-user-0190a1b2-0000-7000-8000-000000000001');
    for (const eventId of ['123', 'a:b', 'evt_x']) expect(jobIdOf({ name: 'process-stripe-event', data: { eventId } })).toMatch(/^(?!\d+$)[^:]+$/);
  });
});
