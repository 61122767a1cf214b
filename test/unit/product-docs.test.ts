// The product team's rules live beside the project (../shared/product) and are copied into docs/ so a
// clone has them; the copy must stay identical, and the team's version wins where they differ.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const shared = join(root, '..', 'shared', 'product');

describe('product documents in docs/', () => {
  it.each(['billing-rules.md', 'graphql-contract.md'])(
    "keeps docs/%s present and identical to the product team's copy when it is beside the project",
    (name) => {
      const ours = readFileSync(join(root, 'docs', name), 'utf8');
      expect(ours.length).toBeGreaterThan(1000);
      if (existsSync(join(shared, name))) expect(ours).toBe(readFileSync(join(shared, name), 'utf8'));
    },
  );
});
