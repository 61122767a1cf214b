// The web app's typed documents (web/src/gql/, committed) are what GraphQL Code Generator makes
// from schema.graphql and the app's documents now: a schema change without `npm run codegen`
// fails here, and the regenerated types then fail the web app's type-check where it relies on them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import config from '../../web/codegen';

const root = join(__dirname, '..', '..');

describe('the web app typed client', () => {
  it('web/src/gql is generated from the committed schema.graphql and the app documents (run npm run codegen)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vp-codegen-'));
    try {
      const [target, output] = Object.entries(config.generates)[0]!;
      const configFile = join(dir, 'codegen.json');
      writeFileSync(configFile, JSON.stringify({ ...config, generates: { [join(dir, 'gql') + '/']: output } }));
      execFileSync(process.execPath, [join(root, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js'), '--config', configFile, '--silent'], {
        cwd: root,
        stdio: 'pipe',
      });
      const generated = readdirSync(join(dir, 'gql')).sort();
      expect(readdirSync(join(root, target)).sort()).toEqual(generated);
      for (const name of generated) {
        const committed = readFileSync(join(root, target, name), 'utf8');
        expect({ name, content: committed }).toEqual({ name, content: readFileSync(join(dir, 'gql', name), 'utf8') });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
