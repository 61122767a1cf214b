// Delta debugging (ddmin) over one customer's intents: the smallest subset found that still shows
// the same kind of mismatch, each try replayed alone on a fresh database and processes.
import { customerIntents } from './scenario';
import { simulate } from './simulator';

export async function shrink(opts: {
  seed: number;
  months: number;
  customer: number;
  first: string;
  triesMax?: number;
  log?: (l: string) => void;
}): Promise<{ keep: number[]; mismatch: string }> {
  const all = customerIntents(opts.seed, opts.customer, opts.months).map((_, i) => i);
  const kind = opts.first.replace(/\(.*$/, '');
  let tries = 0;
  let last = opts.first;
  const fails = async (keep: number[]): Promise<boolean> => {
    tries += 1;
    const r = await simulate({ seed: opts.seed, customers: 1, months: opts.months, only: [opts.customer], keep: new Map([[opts.customer, keep]]) });
    const hit = r.details.find((d) => d.what.replace(/\(.*$/, '') === kind);
    opts.log?.(`shrink try ${tries}: ${keep.length} intents → ${hit ? 'still fails' : 'passes'}`);
    if (hit) last = `${hit.what}: expected ${JSON.stringify(hit.expected)}, got ${JSON.stringify(hit.actual)}`;
    return !!hit;
  };
  let current = all;
  if (!(await fails(current))) return { keep: current, mismatch: `${last} (does not show alone; needs other customers)` };
  let n = 2;
  const max = opts.triesMax ?? 40;
  while (current.length >= 2 && tries < max) {
    const size = Math.ceil(current.length / n);
    let reduced = false;
    for (let i = 0; i < current.length && tries < max; i += size) {
      const complement = [...current.slice(0, i), ...current.slice(i + size)];
      if (complement.length && (await fails(complement))) {
        current = complement;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= current.length) break;
      n = Math.min(current.length, n * 2);
    }
  }
  return { keep: current, mismatch: last };
}
