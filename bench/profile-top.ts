// The top self-time entries of a V8 CPU profile (`node --cpu-prof`), as a Markdown table:
// node dist/bench/profile-top.js <file.cpuprofile> [count=10]. Idle time is left out of the total.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function where(url: string, line: number): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  const short = nm >= 0 ? path.slice(nm + 'node_modules/'.length) : path.startsWith('/') ? relative(process.cwd(), path) : path;
  return `${short}:${line + 1}`;
}

export function topSelfTime(profile: Profile, count: number): { busyMs: number; top: { name: string; where: string; ms: number; share: number }[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') return;
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const key = `${functionName}|${url}|${lineNumber}`;
    const e = self.get(key) ?? { name: functionName || '(anonymous)', where: where(url, lineNumber), us: 0 };
    e.us += us;
    self.set(key, e);
  });
  const top = [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, count)
    .map((e) => ({ name: e.name, where: e.where, ms: Math.round(e.us / 1000), share: Math.round((e.us / Math.max(1, total)) * 1000) / 10 }));
  return { busyMs: Math.round(total / 1000), top };
}

if (require.main === module) {
  const [file, n] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-top.js <file.cpuprofile> [count]');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const { busyMs, top } = topSelfTime(profile, Number(n ?? 10));
  console.log(`busy ${busyMs} ms\n`);
  console.log('| # | self % | self ms | function | where |\n| --- | --- | --- | --- | --- |');
  top.forEach((e, i) => console.log(`| ${i + 1} | ${e.share} | ${e.ms} | \`${e.name}\` | ${e.where} |`));
}
