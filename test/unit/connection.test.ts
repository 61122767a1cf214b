// The one Relay connection helper: cursors keep the format clients already hold, `first` and
// `after` are checked with BAD_USER_INPUT, edges and pageInfo come from a page.
import { GraphQLError } from 'graphql';
import { connectionOf, cursors, pageArgs } from '../../src/graphql/connection';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof GraphQLError ? [e.extensions.code, e.message] : ['not a GraphQLError', String(e)];
  }
  return ['OK'];
};

describe('connection cursors', () => {
  it('decodes cursors issued before (base64url of "<tag>:<key>") to the same key', () => {
    expect(cursors.transactions.decode('czo0Mg')).toBe(42);
    expect(cursors.auditLog.decode('YTo5MDA3MTk5MjU0NzQwOTkx')).toBe(Number.MAX_SAFE_INTEGER);
    expect(cursors.consents.decode('Yzo3')).toBe(7);
    expect(cursors.customerEconomics.decode('bTotMTI1MDowMTkwYTFiMi1jM2Q0LTdlNWYtOGE5Yi0wYzFkMmUzZjRhNWI')).toEqual({
      marginCents: -1250,
      userId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
    });
  });

  it('encodes as before, and what it encodes decodes', () => {
    expect(cursors.transactions.encode(42)).toBe('czo0Mg');
    expect(cursors.consents.encode('7')).toBe('Yzo3');
    const key = { marginCents: -1250, userId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' };
    expect(cursors.customerEconomics.decode(cursors.customerEconomics.encode(key))).toEqual(key);
  });

  it('refuses a cursor of another connection or none with BAD_USER_INPUT', () => {
    const refused = ['BAD_USER_INPUT', 'after is not a cursor of this connection.'];
    expect(code(() => cursors.transactions.decode(cursors.consents.encode('7')))).toEqual(refused);
    expect(code(() => cursors.auditLog.decode('bm90LWEtY3Vyc29y'))).toEqual(refused);
    expect(code(() => cursors.transactions.decode(Buffer.from('s:1234567890123456').toString('base64url')))).toEqual(refused);
    expect(code(() => pageArgs(cursors.consents, { after: 'bm9wZQ' }))).toEqual(refused);
  });
});

describe('page arguments', () => {
  it('refuses a negative first with BAD_USER_INPUT and passes the rest through', () => {
    expect(code(() => pageArgs(cursors.transactions, { first: -1 }))).toEqual(['BAD_USER_INPUT', 'first must not be negative.']);
    expect(pageArgs(cursors.transactions, { first: 0, after: 'czo0Mg' })).toEqual({ first: 0, after: 42 });
    expect(pageArgs(cursors.transactions, {})).toEqual({ first: undefined, after: null });
  });

  it('builds edges with their cursors and pageInfo with the last one', () => {
    const page = { items: [{ sequence: 9 }, { sequence: 8 }], hasNextPage: true };
    expect(connectionOf(cursors.transactions, page, (n) => n.sequence)).toEqual({
      edges: [
        { cursor: 'czo5', node: { sequence: 9 } },
        { cursor: 'czo4', node: { sequence: 8 } },
      ],
      pageInfo: { hasNextPage: true, endCursor: 'czo4' },
    });
    expect(connectionOf(cursors.transactions, { items: [], hasNextPage: false }, (n: { sequence: number }) => n.sequence).pageInfo).toEqual({
      hasNextPage: false,
      endCursor: null,
    });
  });
});
