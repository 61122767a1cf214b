// Small builders for ledger tests: users with credit, memberships with a period, row counts.
import { randomUUID } from 'node:crypto';
import { createUser } from '../../src/domain/users/create-user';
import { grantCredits } from '../../src/domain/ledger/grant-credits';
import { setMembership } from '../../src/domain/memberships/set-membership';
import type { Clock } from '../../src/shared/clock';
import type { PlanCode } from '../../src/db/entities/types';
import type { Em } from '../../src/db/em';

export const deps = (em: Em, clock: Clock) => ({ em, clock, holdTtlSecondsDefault: 300, purchaseExpiryDays: 365 });

export function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}`);
  return r.value;
}

export async function newUser(em: Em): Promise<string> {
  return unwrap(await createUser({ em }, { email: `u-${randomUUID()}@example.com` })).id;
}

export async function newUserWithBonus(em: Em, clock: Clock, seconds: number): Promise<string> {
  const userId = await newUser(em);
  unwrap(await grantCredits(deps(em, clock), { userId, seconds, source: 'BONUS', idempotencyKey: `seed-${userId}` }));
  return userId;
}

export async function activeMembership(em: Em, userId: string, start: Date, end: Date, plan: PlanCode = 'STARTER', overageLimitCents?: number | null) {
  return unwrap(
    await setMembership(
      { em },
      {
        userId,
        planCode: plan,
        status: 'ACTIVE',
        currentPeriodStart: start,
        currentPeriodEnd: end,
        overageLimitCents,
        stripeSubscriptionId: `sub_${userId.slice(0, 8)}`,
      },
    ),
  );
}

const COUNTED = [
  'users',
  'memberships',
  'credit_balances',
  'credit_grants',
  'ledger_entries',
  'reservations',
  'usage_periods',
  'usage_records',
  'idempotency_records',
];

/** Row counts of every ledger table plus the balance row's version: equal before and after = nothing written. */
export async function snapshotCounts(em: Em): Promise<Record<string, number>> {
  const parts = COUNTED.map((t) => `(select count(*) from ${t}) as ${t}`).join(', ');
  const [row] = await em
    .getConnection()
    .execute<Record<string, string>[]>(`select ${parts}, (select coalesce(sum(version), 0) from credit_balances) as versions`);
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}
