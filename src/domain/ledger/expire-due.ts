// Sweeps what is due across all users: holds past their TTL are released as EXPIRED and grants
// past their expiry are written off. Every ledger call settles the same for its own user first,
// so the sweep only makes the books current for users who are idle.
import type { LedgerDeps } from './deps';
import { vpTouchUser } from '../../db/ledger';
import { published } from './publish';
import { toBalance, type BalanceSnapshot } from './views';

/** Settles up to `batchMax` users with an expired hold or grant; returns their new balances. */
export async function expireDue(
  deps: LedgerDeps,
  batchMax: number,
  onError: (userId: string, err: unknown) => void = () => undefined,
): Promise<BalanceSnapshot[]> {
  const now = deps.clock.now();
  const users = await deps.em.getConnection().execute<{ user_id: string }[]>(
    `select user_id from (
       select user_id from reservations where status = 'ACTIVE' and expires_at <= coalesce(?::timestamptz, now())
       union
       select user_id from credit_grants where remaining_seconds > 0 and expires_at <= coalesce(?::timestamptz, now())
     ) due limit ?`,
    [now, now, batchMax],
  );
  const settled: BalanceSnapshot[] = [];
  for (const { user_id } of users) {
    try {
      const r = published(deps, await vpTouchUser(deps.em, { userId: user_id, now }));
      if (r.ok) settled.push(toBalance(r.value));
      else onError(user_id, r.error);
    } catch (err) {
      onError(user_id, err); // one user's failure does not stop the others
    }
  }
  return settled;
}
