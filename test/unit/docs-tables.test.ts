// The configuration and error-code tables in docs/ are generated from src/config/env.ts and
// src/shared/errors.ts (src/dev/docs-tables.ts); a change to either without `npm run docs:tables`
// fails here. Reads files only: no database, no Redis.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCKS, blockBody, ENV_DOCS, intVariables, tableCells, variablesReadByConfig } from '../../src/dev/docs-tables';
import { ERROR_CODES } from '../../src/shared/errors';

const root = join(__dirname, '..', '..');

describe('generated tables in docs/', () => {
  it.each(BLOCKS.map((b) => [b.marker, b.file, b] as const))(
    'the %s block of %s equals what the code generates (run `npm run docs:tables`)',
    (_marker, file, block) => {
      const body = blockBody(readFileSync(join(root, file), 'utf8'), block.marker);
      expect(body).not.toBeNull();
      // compared cell by cell: a formatter's column padding is no difference, a changed word is
      expect(tableCells(body as string)).toEqual(tableCells(block.render()));
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
    const rows = tableCells(blockBody(readFileSync(join(root, 'docs', 'operations.md'), 'utf8'), 'env-table') ?? '');
    const row = (name: string) => rows.find((r) => r[0] === `\`${name}\``);
    for (const [name, b] of ints) expect(row(name)?.[1]).toBe(`\`${b.default}\``);
    expect(row('CLOCK')?.[1]).toBe('`database`');
  });

  it('lists every error code of src/shared/errors.ts in docs/api.md, once each, in the order of errors.ts', () => {
    const rows = tableCells(blockBody(readFileSync(join(root, 'docs', 'api.md'), 'utf8'), 'error-codes') ?? '');
    expect(rows.slice(2).map((r) => r[0])).toEqual(ERROR_CODES.map((c) => `\`${c}\``));
  });
});
