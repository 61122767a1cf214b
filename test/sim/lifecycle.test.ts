// The lifecycle simulator (test/sim): seeded months of a customer base driven through the real API
// and worker processes and the fake Stripe on one shared clock, judged by the independent reference
// model after every simulated month. Fixed seeds plus one random seed (printed, so a failure can be
// replayed with `npm run sim -- --seed N`); ≥ 300 customer-months in all.
import { simulate, type SimResult } from './simulator';

const RANDOM_SEED = Number(process.env.SIM_SEED ?? Math.floor(Math.random() * 2 ** 31));

const runs: { seed: number; customers: number; months: number }[] = [
  { seed: 1, customers: 30, months: 6 },
  { seed: RANDOM_SEED, customers: 20, months: 6 },
];

function report(r: SimResult, customers: number, months: number): string {
  const lines = r.details
    .slice(0, 25)
    .map((d) => `  customer ${d.customer} at ${d.at}: ${d.what}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`);
  return [
    `seed ${r.seed}: ${r.mismatches} mismatches (customers ${r.failingCustomers.join(', ')})`,
    ...lines,
    `replay and shrink: npm run sim -- --seed ${r.seed} --customers ${customers} --months ${months}`,
  ].join('\n');
}

describe('lifecycle simulator', () => {
  it.each(runs)(
    'keeps every invoice item, balance, ledger, subscription, inbox and hold as the billing rules say (seed $seed, $customers customers × $months months)',
    async ({ seed, customers, months }) => {
      console.log(`lifecycle simulator: seed ${seed}, ${customers} customers × ${months} months`);
      const r = await simulate({ seed, customers, months });
      console.log(
        JSON.stringify({
          seed: r.seed,
          customerMonths: r.customerMonths,
          events: r.events,
          mismatches: r.mismatches,
          customerMonthsPerSecond: r.customerMonthsPerSecond,
        }),
      );
      expect(r.customerMonths).toBe(customers * months);
      if (r.mismatches) throw new Error(report(r, customers, months));
    },
    600_000,
  );
});
