// A page of transactions with the grants that paid for them costs a constant number of SQL
// statements, whatever the page size (DataLoader batches the grants; the page is one query).
import { Client } from 'pg';
import { startTestApi, type Account, type TestApi } from '../support/api';

let api: TestApi;
let admin: Account;
let owner: Account;
let statements = 0;
const original = Client.prototype.query;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.account('ADMIN');
  const service = await api.account('SERVICE');
  owner = await api.account('USER');
  // 40 grants and 120 usages that each take from one or two grants → 160 entries with lineage
  for (let i = 0; i < 40; i++) {
    await api.gql(
      'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
      { i: { userId: owner.id, seconds: 50, source: 'PURCHASE', idempotencyKey: `g${i}` } },
      admin.auth,
    );
  }
  for (let i = 0; i < 120; i++) {
    await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }',
      { i: { userId: owner.id, seconds: 15, idempotencyKey: `u${i}` } },
      service.auth,
    );
  }
  Client.prototype.query = function counted(this: Client, ...args: unknown[]) {
    statements += 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
});
afterAll(async () => {
  Client.prototype.query = original;
  await api.stop();
});

const PAGE = `query($first: Int) {
  transactions(first: $first) {
    totalCount
    edges { cursor node { id type amountSeconds lineage { seconds grant { id source grantedSeconds remainingSeconds expiresAt } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function countFor(first: number): Promise<{ statements: number; rows: number; lineage: number }> {
  statements = 0;
  const res = await api.gql(PAGE, { first }, owner.auth);
  expect(res.body.errors).toBeUndefined();
  const edges = res.body.data!.transactions.edges as { node: { lineage: { grant: { id: string } | null }[] } }[];
  const lineage = edges.flatMap((e) => e.node.lineage);
  for (const l of lineage) expect(l.grant?.id).toBeTruthy();
  return { statements, rows: edges.length, lineage: lineage.length };
}

describe('query count', () => {
  it('lists 100 transactions with their grants in as many statements as 10', async () => {
    const hundred = await countFor(100);
    const ten = await countFor(10);
    expect(hundred.rows).toBe(100);
    expect(hundred.lineage).toBeGreaterThan(100);
    expect(ten.rows).toBe(10);
    expect(hundred.statements).toBe(ten.statements);
    // page + total count + one batch of grants (the bearer token needs no query)
    expect(hundred.statements).toBeGreaterThanOrEqual(3);
    expect(hundred.statements).toBeLessThanOrEqual(3);
  });
});
