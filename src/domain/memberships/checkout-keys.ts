// Checkouts keyed by the client (billing rules §7): the same idempotency key and the same input
// answer the session first made, without asking Stripe again; the same key with other input is
// IDEMPOTENCY_KEY_REUSED. Stripe gets a key of its own from the user and the client's key, so a
// retry after a crash between Stripe's answer and our row gets Stripe's replay of that session.
import { ErrorCode, fail, type Failure, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import { checkKey } from '../ledger/validate';

export interface KeyedSession {
  sessionId: string;
  url: string;
  amountCents?: number;
}

/** A malformed key (null/undefined is no key: the checkout is not deduplicated). */
export function checkCheckoutKey(key: string | null | undefined): Failure | null {
  return key === null || key === undefined ? null : checkKey(key);
}

/** The key Stripe sees for a user's keyed checkout. */
export const stripeCheckoutKey = (userId: string, key: string) => `checkout-${userId}-${key}`;

type Row = { fingerprint: string; session_id: string; url: string; amount_cents: string | null };

const answer = (row: Row, fingerprint: string): Result<KeyedSession> => {
  if (row.fingerprint !== fingerprint) return fail(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'idempotencyKey');
  return { ok: true, value: { sessionId: row.session_id, url: row.url, ...(row.amount_cents === null ? {} : { amountCents: Number(row.amount_cents) }) } };
};

/** The session an earlier request with this key answered, if any (or the conflict it makes). */
export async function earlierCheckout(em: Em, userId: string, key: string | null | undefined, fingerprint: string): Promise<Result<KeyedSession> | null> {
  if (key === null || key === undefined) return null;
  const [row] = await em
    .getConnection()
    .execute<Row[]>('select fingerprint, session_id, url, amount_cents from checkout_requests where user_id = ? and key = ?', [userId, key]);
  return row ? answer(row, fingerprint) : null;
}

/** Keeps the session made for this key; a concurrent request that won answers its own. */
export async function rememberCheckout(
  em: Em,
  userId: string,
  key: string | null | undefined,
  fingerprint: string,
  s: KeyedSession,
): Promise<Result<KeyedSession>> {
  if (key === null || key === undefined) return { ok: true, value: s };
  const conn = em.getConnection();
  await conn.execute(
    `insert into checkout_requests (user_id, key, fingerprint, session_id, url, amount_cents) values (?, ?, ?, ?, ?, ?)
     on conflict (user_id, key) do nothing`,
    [userId, key, fingerprint, s.sessionId, s.url, s.amountCents ?? null],
  );
  const [row] = await conn.execute<Row[]>('select fingerprint, session_id, url, amount_cents from checkout_requests where user_id = ? and key = ?', [
    userId,
    key,
  ]);
  return answer(row!, fingerprint);
}
