// The limits on one operation (src/config/limits.ts): depth and aliases (graphql-armor's rules) and
// a cost where each field counts 1 and a connection's children count once per requested row, a
// connection being what the schema says (a `…Connection` field that takes `first`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { limits } from '../../src/config/limits';
import { costsOf, limitsRules } from '../../src/graphql/limits-rule';

const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
const refusals = (query: string, variables: Record<string, unknown> = {}) =>
  validate(schema, parse(query), limitsRules(variables)).map((e) => ({ code: e.extensions.code, message: e.message }));
const cost = (query: string, variables: Record<string, unknown> = {}) => costsOf(schema, parse(query), variables)[0];
/** `{ me { a { a { … b } } } }`: depth levels in all (not valid against the schema; the limit does not care). */
const deep = (depth: number) => `{ me { ${'a { '.repeat(depth - 2)}b${' }'.repeat(depth - 2)} } }`;

describe('operation limits', () => {
  it('refuses a selection deeper than graphqlDepthMax with QUERY_TOO_DEEP, counting fragments as no level', () => {
    expect(refusals(deep(limits.graphqlDepthMax))).toEqual([]);
    expect(refusals(deep(limits.graphqlDepthMax + 1))).toEqual([
      { code: 'QUERY_TOO_DEEP', message: `Query depth ${limits.graphqlDepthMax + 1} exceeds the maximum of ${limits.graphqlDepthMax}.` },
    ]);
    expect(
      refusals(
        `{ me { ...F } } fragment F on User { ... on User { ${'a { '.repeat(limits.graphqlDepthMax - 2)}b${' }'.repeat(limits.graphqlDepthMax - 2)} } }`,
      ),
    ).toEqual([]);
  });

  it('refuses more than graphqlAliasesMax aliases with QUERY_TOO_COMPLEX, __typename included', () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `t${i}: __typename`).join(' ')} }`;
    expect(refusals(aliases(limits.graphqlAliasesMax))).toEqual([]);
    expect(refusals(aliases(limits.graphqlAliasesMax + 1))).toEqual([
      { code: 'QUERY_TOO_COMPLEX', message: `${limits.graphqlAliasesMax + 1} aliases exceed the maximum of ${limits.graphqlAliasesMax}.` },
    ]);
  });

  it("counts a connection's selection once per requested row: first, clamped to [1, pageSizeMax], default pageSizeDefault", () => {
    const page = (args: string) => cost(`{ transactions${args} { edges { node { id } } } }`);
    expect(page('')).toBe(1 + 3 * limits.pageSizeDefault); // transactions + (edges + node + id) per row
    expect(page('(first: 7)')).toBe(1 + 3 * 7);
    expect(page('(first: 100000)')).toBe(1 + 3 * limits.pageSizeMax);
    expect(page('(first: -3)')).toBe(1 + 3 * 1);
    // a variable counts as its value where known (WebSockets), otherwise as the largest page (HTTP)
    expect(cost('query($n: Int) { transactions(first: $n) { edges { node { id } } } }', { n: 7 })).toBe(1 + 3 * 7);
    expect(cost('query($n: Int) { transactions(first: $n) { edges { node { id } } } }')).toBe(1 + 3 * limits.pageSizeMax);
  });

  it('finds connections in the schema: every …Connection field with `first`, and no plain list of the same name', () => {
    for (const field of ['transactions', 'consents', 'auditLog', 'customerEconomics']) {
      expect(cost(`{ ${field}(first: 10) { totalCount } }`)).toBe(1 + 10);
    }
    expect(cost('mutation { grantConsent(input: {purpose: VOICE_PROCESSING, policyVersion: "1", source: "app"}) { consents { purpose } } }')).toBe(3);
  });

  it('counts a fragment every time it is spread, and refuses past graphqlComplexityMax with QUERY_TOO_COMPLEX', () => {
    const T = 'fragment T on CreditTransactionConnection { edges { node { id amountSeconds type createdAt description sequence hash } } }';
    const page = 1 + 100 * (1 + 1 + 7);
    expect(cost(`query { a: transactions(first: 100) { ...T } b: transactions(first: 100) { ...T } } ${T}`)).toBe(2 * page);
    expect(2 * page).toBeLessThanOrEqual(limits.graphqlComplexityMax);
    expect(3 * page).toBeGreaterThan(limits.graphqlComplexityMax);
    expect(refusals(`query { a: transactions(first: 100) { ...T } b: transactions(first: 100) { ...T } c: transactions(first: 100) { ...T } } ${T}`)).toEqual([
      { code: 'QUERY_TOO_COMPLEX', message: `Query complexity ${3 * page} exceeds the maximum of ${limits.graphqlComplexityMax}.` },
    ]);
  });
});
