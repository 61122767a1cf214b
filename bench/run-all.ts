// npm run bench: every benchmark, one after another, each in its own process.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHES = ['ledger', 'api', 'ingest', 'live', 'webhooks', 'analytics'];

for (const name of BENCHES) {
  console.log(`\n=== bench:${name} ===`);
  execFileSync(process.execPath, [join(__dirname, `${name}.js`)], { stdio: 'inherit' });
}
