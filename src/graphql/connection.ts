// One Relay connection helper for every paginated field: a cursor codec (base64url of
// `<tag>:<key>`, the format every cursor already issued carries), the checks of `first` and
// `after` (BAD_USER_INPUT), and a page's edges and pageInfo. The page size itself (default,
// largest) is the use case's: it clamps `first` to limits.pageSizeDefault / pageSizeMax.
import { badInput } from './errors';

/** Encodes a node's key `K`; decodes a cursor to what the use case pages from (`D`, the key unless it is read as another type). */
export interface CursorCodec<K, D = K> {
  encode(key: K): string;
  /** The key of a cursor of this connection; BAD_USER_INPUT for anything else. */
  decode(cursor: string): D;
}

/**
 * Cursors `base64url("<tag>:<key>")` where the key, written by `write`, matches `pattern`;
 * `read` turns the pattern's groups back into the key.
 */
export function cursorCodec<K, D = K>(tag: string, pattern: RegExp, write: (key: K) => string, read: (groups: string[]) => D): CursorCodec<K, D> {
  const whole = new RegExp(`^${tag}:${pattern.source}$`);
  return {
    encode: (key) => Buffer.from(`${tag}:${write(key)}`, 'utf8').toString('base64url'),
    decode(cursor) {
      const m = whole.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (!m) throw badInput('after is not a cursor of this connection.');
      return read(m.slice(1));
    },
  };
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/**
 * The cursors of every connection, in one place: their format is a promise to clients (a cursor
 * issued before must still decode), held by test/unit/connection.test.ts.
 */
export const cursors = {
  /** A transaction: its sequence number. */
  transactions: cursorCodec(
    's',
    /(\d{1,15})/,
    (sequence: number) => String(sequence),
    ([s]) => Number(s),
  ),
  /** An audit entry: its id. */
  auditLog: cursorCodec(
    'a',
    /(\d{1,18})/,
    (id: string) => id,
    ([id]) => Number(id),
  ),
  /** A consent record: its id. */
  consents: cursorCodec(
    'c',
    /(\d{1,18})/,
    (id: string) => id,
    ([id]) => Number(id),
  ),
  /** A customer of customerEconomics: margin and user id, the order of the page. */
  customerEconomics: cursorCodec(
    'm',
    /(-?\d{1,16}):([0-9a-f-]{36})/,
    (k: { marginCents: number; userId: string }) => `${k.marginCents}:${k.userId}`,
    ([margin, userId]) => ({ marginCents: Number(margin), userId: userId! }),
  ),
};

/** `first` and `after` of a request, checked: `first` not negative, `after` a cursor of this connection. */
export function pageArgs<D>(codec: CursorCodec<never, D>, args: PageArgs): { first: number | null | undefined; after: D | null } {
  if (args.first !== null && args.first !== undefined && args.first < 0) throw badInput('first must not be negative.');
  return { first: args.first, after: args.after ? codec.decode(args.after) : null };
}

/** A page's edges (each node with its cursor) and pageInfo. */
export function connectionOf<N, K>(codec: CursorCodec<K, unknown>, page: { items: N[]; hasNextPage: boolean }, keyOf: (node: N) => K) {
  const edges = page.items.map((node) => ({ cursor: codec.encode(keyOf(node)), node }));
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}
