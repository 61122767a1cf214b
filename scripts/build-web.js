// Builds the web app (web/, Vite) into dist-web/ — the dashboard at /app and the explorer at
// /explorer. Skipped when dist-web/ is newer than every input (web/, schema.graphql, the lock
// file), so `npm start` pays for it once; `--force` builds anyway. Run by `npm ci` (prepare) and
// `npm start`; where web/ or Vite is absent (an image's dependency layer, a production install)
// it says so and does nothing.
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..');
const out = join(root, 'dist-web');
const stamp = join(out, '.built');
const force = process.argv.includes('--force');

if (!existsSync(join(root, 'web', 'vite.config.ts'))) {
  console.log('build:web: no web/ here; skipped');
  process.exit(0);
}
let vite;
try {
  vite = join(dirname(require.resolve('vite/package.json', { paths: [root] })), 'bin', 'vite.js');
} catch {
  console.log('build:web: vite is not installed (production install?); skipped');
  process.exit(0);
}

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let m = s.mtimeMs;
  for (const name of readdirSync(path)) if (name !== 'node_modules') m = Math.max(m, newest(join(path, name)));
  return m;
}

const inputs = [join(root, 'web'), join(root, 'schema.graphql'), join(root, 'package-lock.json')].filter(existsSync);
const built = existsSync(stamp) && existsSync(join(out, 'index.html')) ? statSync(stamp).mtimeMs : 0;
if (!force && built && inputs.every((p) => newest(p) <= built)) process.exit(0);

execFileSync(process.execPath, [vite, 'build', '--config', join(root, 'web', 'vite.config.ts'), '--logLevel', 'warn'], {
  stdio: 'inherit',
  cwd: root,
  // a production build whatever the caller's NODE_ENV (jest sets test, which would bundle React's development build)
  env: { ...process.env, NODE_ENV: 'production' },
});
writeFileSync(stamp, `${new Date().toISOString()}\n`);
