// npm run size:web — the first load of the built web app (and of the explorer), gzip sizes.
import { join } from 'node:path';
import { defaultWebDistDir } from '../http/web-app';
import { FIRST_LOAD_BUDGET_GZIP_BYTES, firstLoad } from './web-size';

const dir = process.argv[2] ?? defaultWebDistDir();
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
let over = false;
for (const page of ['index.html', 'explorer.html']) {
  const r = firstLoad(dir, page);
  console.log(`${join(dir, page)}: first load ${kb(r.bytes)}, ${kb(r.gzipBytes)} gzip`);
  for (const f of r.files) console.log(`  ${f.file.padEnd(40)} ${kb(f.bytes).padStart(10)} ${kb(f.gzipBytes).padStart(10)} gzip`);
  if (page === 'index.html' && r.gzipBytes > FIRST_LOAD_BUDGET_GZIP_BYTES) over = true;
}
console.log(`budget for /app: ${kb(FIRST_LOAD_BUDGET_GZIP_BYTES)} gzip${over ? ' — OVER' : ''}`);
process.exit(over ? 1 : 0);
