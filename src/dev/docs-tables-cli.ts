// npm run docs:tables — regenerates the configuration and error-code tables in docs/ from
// src/config/env.ts and src/shared/errors.ts (see src/dev/docs-tables.ts).
import { writeBlocks } from './docs-tables';

writeBlocks().then(
  (changed) => console.log(changed.length ? `rewrote ${changed.join(', ')}` : 'docs tables are up to date'),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
