// Every relative link and anchor in README.md and docs/*.md resolves inside the repository, and no
// text points outside it (the product team's folder beside the project, "§N" sections a clone does
// not have). Reads files only: no database, no Redis.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(__dirname, '..', '..');
const docs = join(root, 'docs');
const files = [
  join(root, 'README.md'),
  ...readdirSync(docs)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(docs, f)),
];
const rel = (p: string) => relative(root, p);

/** The text with fenced code blocks blanked (line numbers kept): links and headings live outside them. */
function outsideCode(text: string): string {
  let fence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fence = !fence;
        return '';
      }
      return fence ? '' : line.replace(/`[^`]*`/g, (m) => ' '.repeat(m.length));
    })
    .join('\n');
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const h = fence ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const plain = h[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

function links(file: string): Link[] {
  const out: Link[] = [];
  outsideCode(readFileSync(file, 'utf8'))
    .split('\n')
    .forEach((line, i) => {
      for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ file, line: i + 1, target: m[1] });
    });
  return out;
}

const all = files.flatMap(links);
const relativeLinks = all.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target));

describe('links in README.md and docs/', () => {
  it('computes anchors as GitHub does', () => {
    expect([...anchors('# Live updates (WebSockets)\n## 5. Periods, recharge, expiry and overage invoicing\n## `x_y` — z\n## A\n## A')]).toEqual([
      'live-updates-websockets',
      '5-periods-recharge-expiry-and-overage-invoicing',
      'x_y--z',
      'a',
      'a-1',
    ]);
  });

  it('keeps README.md short (at most 150 lines): the rest lives in docs/', () => {
    expect(readFileSync(join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(151);
  });

  it('finds the documents and their links', () => {
    expect(files.map(rel)).toEqual(expect.arrayContaining(['README.md', join('docs', 'billing-rules.md'), join('docs', 'operations.md')]));
    expect(relativeLinks.length).toBeGreaterThan(20);
  });

  it('resolves every relative link to a file inside the repository, and every anchor to a heading', () => {
    const broken: string[] = [];
    for (const l of relativeLinks) {
      const [path, anchor] = l.target.split('#', 2);
      const target = path ? resolve(dirname(l.file), decodeURIComponent(path)) : l.file;
      const where = `${rel(l.file)}:${l.line} → ${l.target}`;
      if (target !== root && !target.startsWith(root + sep)) {
        broken.push(`${where}: outside the repository`);
        continue;
      }
      if (!existsSync(target)) {
        broken.push(`${where}: no such file`);
        continue;
      }
      if (anchor !== undefined) {
        if (statSync(target).isDirectory() || !target.endsWith('.md')) broken.push(`${where}: an anchor into a file that is not markdown`);
        else if (!anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${where}: no heading with that anchor`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names no file outside the repository and no "§N" section (link to docs/billing-rules.md instead)', () => {
    const found: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const where = `${rel(file)}:${i + 1}`;
          if (/\.\.\/shared|shared\/product\/|\/work\//.test(line)) found.push(`${where}: ${line.trim()}`);
          // law citations (HGB §257, AO §147) are not sections of ours
          for (const m of line.matchAll(/(\S+\s+)?§\s*\d/g)) if (!/^\(?(HGB|AO|BGB|UStG)\s+$/.test(m[1] ?? '')) found.push(`${where}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
