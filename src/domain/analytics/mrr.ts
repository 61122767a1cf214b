// Each paying customer's MRR at a moment (membership price plus trailing overage), by user.
import type { PlanCode } from '../../db/entities/types';
import type { Em } from '../../db/em';
import { MRR_AT_SQL } from './facts.sql';

export interface CustomerMrr {
  userId: string;
  planCode: PlanCode;
  membershipCents: number;
  usageCents: number;
}

export async function mrrAt(em: Em, at: Date): Promise<Map<string, CustomerMrr>> {
  const rows = await em.getConnection().execute<Record<string, string>[]>(MRR_AT_SQL, [at]);
  return new Map(
    rows.map((r) => [
      r.user_id!,
      {
        userId: r.user_id!,
        planCode: r.plan_code as PlanCode,
        membershipCents: Number(r.membership_cents),
        usageCents: Number(r.usage_cents),
      },
    ]),
  );
}

export const totalOf = (m: CustomerMrr) => m.membershipCents + m.usageCents;
