// An eslint-disable comment names the rules it silences: a bare one would silence every rule on its
// line (or the rest of its file), and eslint itself cannot see that, since the comment silences it too.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', 'coverage', 'results', '.git']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) ? [path] : [];
  });
}

const directive = 'eslint' + '-disable';
const bare = new RegExp(`(?://|/\\*)\\s*${directive}(?:-next-line|-line)?\\s*(?:$|\\*/|--)`, 'm');

describe('eslint-disable comments', () => {
  it('name the rules they disable, everywhere in the repository', () => {
    const files = [
      ...['src', 'test', 'bench', 'scripts'].flatMap((d) => sources(join(root, d))),
      join(root, 'jest.config.js'),
      join(root, 'eslint.config.mjs'),
    ];
    const offenders = files.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => (bare.test(line) ? `${relative(root, f)}:${i + 1}` : null))
        .filter((x): x is string => x !== null),
    );
    expect(offenders).toEqual([]);
  });
});
