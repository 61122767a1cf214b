// Shared pieces of the benchmarks: a closed-loop load runner, percentiles, a readable table, and
// the JSON summary (printed last and written to bench/results/<name>.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LoadResult {
  ops: number;
  errors: number;
  seconds: number;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time of this Node process per operation (driver, ORM, use case), microseconds. */
  nodeCpuUsPerOp: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Measures a candidate against its baseline in alternating rounds (B, A, B, A, …) so that drift of
 * a shared machine (other tenants, checkpoints, autovacuum) hits both sides alike.
 */
export async function runPaired(
  durationMs: number,
  rounds: number,
  concurrency: number,
  candidate: (worker: number, i: number) => Promise<boolean>,
  baseline: (worker: number, i: number) => Promise<boolean>,
): Promise<{ candidate: LoadResult; baseline: LoadResult }> {
  const a: LoadResult[] = [];
  const b: LoadResult[] = [];
  const slice = Math.max(500, Math.floor(durationMs / rounds));
  for (let r = 0; r < rounds; r++) {
    b.push(await runLoad(slice, concurrency, baseline));
    a.push(await runLoad(slice, concurrency, candidate));
  }
  return { candidate: merge(a), baseline: merge(b) };
}

function merge(parts: LoadResult[]): LoadResult {
  const ops = parts.reduce((n, p) => n + p.ops, 0);
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  const median = (f: (p: LoadResult) => number) => {
    const v = parts.map(f).sort((x, y) => x - y);
    return v[Math.floor(v.length / 2)]!;
  };
  return {
    ops,
    errors: parts.reduce((n, p) => n + p.errors, 0),
    seconds: round(seconds, 2),
    opsPerSecond: round(ops / seconds, 0),
    p50Ms: median((p) => p.p50Ms),
    p99Ms: median((p) => p.p99Ms),
    maxMs: Math.max(...parts.map((p) => p.maxMs)),
    nodeCpuUsPerOp: median((p) => p.nodeCpuUsPerOp),
  };
}

/** Runs `concurrency` workers, each calling fn back to back, for durationMs. */
export async function runLoad(durationMs: number, concurrency: number, fn: (worker: number, i: number) => Promise<boolean>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const deadline = Date.now() + durationMs;
  let counter = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (Date.now() < deadline) {
        const t0 = process.hrtime.bigint();
        const ok = await fn(w, counter++);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (!ok) errors += 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    errors,
    seconds: round(seconds, 2),
    opsPerSecond: round(latencies.length / seconds, 0),
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(latencies[latencies.length - 1] ?? 0, 2),
    nodeCpuUsPerOp: round((cpu.user + cpu.system) / Math.max(1, latencies.length), 0),
  };
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Prints the summary as the last line and writes it to bench/results/<name>.json. */
export function writeSummary(name: string, summary: Record<string, unknown>): void {
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify({ bench: name, at: new Date().toISOString(), ...summary });
  writeFileSync(join(dir, `${name}.json`), json + '\n');
  console.log(json);
}

/** Waits until a started service answers /readyz (about 20 s at most). */
export async function waitReady(port: number): Promise<void> {
  for (let i = 0; i <= 100; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the service on port ${port} did not become ready`);
}
