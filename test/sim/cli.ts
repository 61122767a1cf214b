// npm run sim -- --seed N --customers C --months M [--only K[,K…]] [--keep K:i,j,…] [--no-shrink]
// Runs the lifecycle simulator; on a mismatch prints the seed and the shortest trace it finds
// (delta debugging over the failing customer's intents, each try on a fresh database). The last
// line is one JSON object: seed, customerMonths, events, mismatches, customerMonthsPerSecond.
import 'reflect-metadata';
import { customerIntents } from './scenario';
import { shrink } from './shrink';
import { simulate } from './simulator';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  process.env.NODE_ENV ??= 'test';
  const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));
  const customers = Number(arg('customers') ?? 20);
  const months = Number(arg('months') ?? 3);
  const only = arg('only')?.split(',').map(Number);
  const keepArg = arg('keep');
  const keep = keepArg ? new Map([[Number(keepArg.split(':')[0]), keepArg.split(':')[1]!.split(',').filter(Boolean).map(Number)]]) : undefined;
  const quiet = process.argv.includes('--quiet');
  const log = (l: string) => {
    if (!quiet) console.error(l);
  };
  const r = await simulate({ seed, customers, months, only, keep, log });
  if (r.mismatches) {
    console.error(`seed ${seed}: ${r.mismatches} mismatches (customers ${r.failingCustomers.join(', ')})`);
    const first = r.failingCustomers[0]!;
    if (!process.argv.includes('--no-shrink')) {
      const trace = await shrink({ seed, months, customer: first, first: r.details.find((d) => d.customer === first)!.what, log });
      const intents = customerIntents(seed, first, months);
      console.error(`shortest trace found for customer ${first} (${trace.keep.length} of ${intents.length} intents):`);
      for (const i of trace.keep) console.error(`  #${i} +${(intents[i]!.at / 3_600_000).toFixed(0)}h ${JSON.stringify(intents[i]!.intent)}`);
      console.error(`  → ${trace.mismatch}`);
      console.error(
        `replay: npm run sim -- --seed ${seed} --customers ${customers} --months ${months} --only ${first} --keep ${first}:${trace.keep.join(',')} --no-shrink`,
      );
    }
    console.error(`replay all: npm run sim -- --seed ${seed} --customers ${customers} --months ${months}`);
  }
  console.log(
    JSON.stringify({
      seed: r.seed,
      customerMonths: r.customerMonths,
      events: r.events,
      mismatches: r.mismatches,
      customerMonthsPerSecond: r.customerMonthsPerSecond,
    }),
  );
  process.exit(r.mismatches ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
