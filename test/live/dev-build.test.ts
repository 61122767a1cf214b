// The development commands (npm run token, start, api, worker, …) build only the service's sources
// (src → dist/src, tsconfig.src.json), incrementally: a run with nothing changed writes no file, a
// change rebuilds that file, not the rest. Run on a copy of the checkout, so this file's builds never
// touch the dist/ the other tests run from.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const ROOT = join(__dirname, '..', '..');
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'vp-dev-build-'));
  for (const name of readdirSync(ROOT)) {
    if (['node_modules', 'dist', '.git', 'test-results'].includes(name)) continue;
    if (['src', 'test', 'bench', 'scripts'].includes(name) || /\.(json|ts|js|cjs|mjs)$/.test(name))
      cpSync(join(ROOT, name), join(copy, name), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
});
afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

/** `npm run token` in the copy, as a developer types it (no database: --no-create). */
async function token(): Promise<string> {
  const { stdout } = await promisify(execFile)('npm', ['run', '-s', 'token', '--', '--user', randomUUID(), '--role', 'ADMIN', '--no-create'], {
    cwd: copy,
    env: { ...process.env, NODE_ENV: 'development' },
  });
  return stdout.trim();
}

/** Every file under dist/ with when it was last written. */
function written(): Map<string, number> {
  const files = new Map<string, number>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const s = statSync(path);
      if (s.isDirectory()) walk(path);
      else files.set(relative(copy, path), s.mtimeMs);
    }
  };
  walk(join(copy, 'dist'));
  return files;
}

it('npm run token builds the service sources only, once: a second run with nothing changed writes no file, a change rebuilds just that file', async () => {
  expect((await token()).split('.')).toHaveLength(3);
  expect(existsSync(join(copy, 'dist', 'src', 'auth', 'token-cli.js'))).toBe(true);
  expect(existsSync(join(copy, 'dist', 'src', 'main.js'))).toBe(true);
  // tests and benchmarks are not what a development command needs
  expect(existsSync(join(copy, 'dist', 'test'))).toBe(false);
  expect(existsSync(join(copy, 'dist', 'bench'))).toBe(false);

  const first = written();
  expect((await token()).split('.')).toHaveLength(3);
  expect(written()).toEqual(first);

  appendFileSync(join(copy, 'src', 'auth', 'token-cli.ts'), '\n// a change\n');
  expect((await token()).split('.')).toHaveLength(3);
  const third = written();
  const rewritten = [...third].filter(([file, at]) => first.get(file) !== at).map(([file]) => file);
  expect(rewritten).toContain(join('dist', 'src', 'auth', 'token-cli.js'));
  expect(rewritten).not.toContain(join('dist', 'src', 'main.js'));
  expect(rewritten).not.toContain(join('dist', 'src', 'app', 'service.js'));
}, 240_000);
