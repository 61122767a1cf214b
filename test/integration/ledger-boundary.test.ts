// The typed boundary to the ledger's SQL functions (src/db/ledger/) holds to the migrated database:
// every wrapper names the function's parameters in its order, every code vp_fail can raise is an
// ErrorCode, and TypeScript calls ledger functions only through the wrappers. Read from the
// database (pg_proc), not from the files that define the functions.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { withConnection } from '../../src/db/em';
import { LEDGER_FUNCTIONS } from '../../src/db/ledger';
import { ERROR_CODES } from '../../src/shared/errors';
import { createTestDb, type TestDb } from '../support/test-db';

const SRC = join(__dirname, '..', '..', 'src');
const BOUNDARY_DIR = join(SRC, 'db', 'ledger');
/** Where SQL is defined rather than called from TypeScript. */
const SQL_SOURCES = [join(SRC, 'db', 'migrations'), join(SRC, 'db', 'sql')];
/**
 * Functions used inside a query over rows (an expression per row), not called as a ledger
 * operation: they raise nothing and take no lock, so a query may name them.
 */
const SQL_HELPERS = new Set(['vp_first_local_day', 'vp_overage_cents']);

let db: TestDb;
let functions: Map<string, { args: string; def: string }>;

beforeAll(async () => {
  db = await createTestDb(2);
  const rows = await db
    .em()
    .getConnection()
    .execute<{ name: string; args: string; def: string }[]>(
      `select p.proname as name, pg_get_function_arguments(p.oid) as args, pg_get_functiondef(p.oid) as def
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public' and p.proname like 'vp\\_%' and p.prokind = 'f'`,
    );
  functions = new Map();
  for (const r of rows) {
    if (functions.has(r.name)) throw new Error(`${r.name} is overloaded: a wrapper could not tell which one it calls`);
    functions.set(r.name, { args: r.args, def: r.def });
  }
});

afterAll(async () => {
  await db?.close();
});

/** The input parameters of pg_get_function_arguments, in order: name and whether it has a default. */
function inputParams(args: string): { name: string; hasDefault: boolean }[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of args) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) parts.push(cur.trim());
  return parts
    .map((p) => p.split(/\s+/))
    .filter((words) => words[0] !== 'OUT')
    .map((words) => (['IN', 'INOUT', 'VARIADIC'].includes(words[0]!) ? words.slice(1) : words))
    .map((words) => ({ name: words[0]!, hasDefault: words.includes('DEFAULT') }));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

describe('the typed ledger boundary', () => {
  it.each(LEDGER_FUNCTIONS.map((f) => [f.sqlName, f] as const))('the wrapper of %s names every parameter of the function, in its order', (name, f) => {
    const fn = functions.get(name);
    expect(fn).toBeDefined();
    const declared = f.params.map((p) => p.name);
    expect(declared).toEqual(inputParams(fn!.args).map((p) => p.name));
  });

  it("each wrapper's statement is valid SQL for its function (names resolve, types are inferred)", async () => {
    await withConnection(db.em(), async (conn) => {
      for (const [i, f] of LEDGER_FUNCTIONS.entries()) {
        // prepared, not run: the server resolves the function by its parameter names and infers every value's type
        await conn.query(`prepare boundary_${i} as ${f.statement()}`);
        await conn.query(`deallocate boundary_${i}`);
      }
    });
  });

  it('every code vp_fail can raise is an ErrorCode, and no function raises a business failure another way', () => {
    const codes = new Set<string>();
    for (const [name, { def }] of functions) {
      if (name === 'vp_fail') continue;
      // every call names its code as a literal, so the codes can be read from the bodies
      const calls = def.match(/vp_fail\s*\(\s*[^)]{0,40}/g) ?? [];
      for (const call of calls) {
        const m = /^vp_fail\s*\(\s*'([A-Z0-9_]+)'/.exec(call);
        expect({ name, call, literalCode: Boolean(m) }).toEqual({ name, call, literalCode: true });
        codes.add(m![1]!);
      }
      expect({ name, raisesVpb01Itself: /errcode\s*=\s*'VPB01'/i.test(def) }).toEqual({ name, raisesVpb01Itself: false });
    }
    expect(codes.size).toBeGreaterThan(10);
    expect([...codes].filter((c) => !(ERROR_CODES as string[]).includes(c))).toEqual([]);
  });

  it('TypeScript calls a ledger function only through its wrapper, and every wrapper is in LEDGER_FUNCTIONS', () => {
    const wrapped = new Set(LEDGER_FUNCTIONS.map((f) => f.sqlName));
    expect(wrapped.size).toBe(LEDGER_FUNCTIONS.length);
    const outside: string[] = [];
    for (const file of tsFiles(SRC)) {
      if (file.startsWith(BOUNDARY_DIR) || SQL_SOURCES.some((d) => file.startsWith(d))) continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(vp_[a-z0-9_]+)\s*\(/g)) {
        const name = m[1]!;
        if (functions.has(name) && !SQL_HELPERS.has(name)) outside.push(`${relative(SRC, file)}: ${name}`);
      }
    }
    expect(outside).toEqual([]);
    const defined = tsFiles(BOUNDARY_DIR).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/ledgerFunction<[^(]*>\(\s*'(vp_[a-z0-9_]+)'/g)].map((m) => m[1]!),
    );
    expect(defined.sort()).toEqual([...wrapped].sort());
    for (const helper of SQL_HELPERS) expect(functions.has(helper)).toBe(true);
  });
});
