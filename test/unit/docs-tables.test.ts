// The configuration and error-code tables in docs/ are generated from src/config/env.ts and
// src/shared/errors.ts (src/dev/docs-tables.ts); a change to either without `npm run docs:tables`
// fails here. Reads files only: no database, no Redis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCKS, ENV_DOCS, intVariables, variablesReadByConfig, withBlock } from '../../src/dev/docs-tables';
import { ERROR_CODES } from '../../src/shared/errors';

const root = join(__dirname, '..', '..');

describe('generated tables in docs/', () => {
  it.each(BLOCKS.map((b) => [b.marker, b.file, b] as const))(
    'the %s block of %s equals what the code generates (run `npm run docs:tables`)',
    (_marker, file, block) => {
      const text = readFileSync(join(root, file), 'utf8');
      expect(withBlock(text, block.marker, block.render(), file)).toBe(text);
    },
  );

  it('documents every variable src/config/env.ts reads, and no other', () => {
    const documented = ENV_DOCS.flatMap((d) => d.names).sort();
    expect(documented).toEqual(variablesReadByConfig());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('takes the default and bounds of every whole-number variable from env.ts (CLOCK included)', () => {
    const ints = intVariables();
    expect(ints.get('PORT')).toEqual({ default: 4000, min: 0, max: 65535 });
    expect(ints.get('LEDGER_VERIFY_INTERVAL_MS')).toEqual({ default: 86_400_000, min: 1000, max: 2_592_000_000 });
    const table = readFileSync(join(root, 'docs', 'operations.md'), 'utf8');
    for (const [name, b] of ints) expect(table).toContain(`| \`${name}\` | \`${b.default}\` |`);
    expect(table).toContain('| `CLOCK` | `database` |');
  });

  it('lists every error code of src/shared/errors.ts in docs/api.md, once', () => {
    const api = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
    for (const code of ERROR_CODES) expect(api.split(`| \`${code}\` |`).length - 1).toBe(1);
  });
});
