// After tsc: copies every .sql file of src/ next to its compiled modules in dist/src/, so the built
// service (and the Docker image, which ships dist/ only) reads the ledger's SQL from dist.
const { cpSync, readdirSync, statSync, mkdirSync } = require('node:fs');
const { join, dirname } = require('node:path');

const root = join(__dirname, '..');
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.sql')) {
      const target = join(root, 'dist', path.slice(root.length + 1));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
walk(join(root, 'src'));
