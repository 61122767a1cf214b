// The payment provider's customers and PLAN grants, as the event use cases look them up.
import type { Em } from '../../db/em';
import { planKey } from '../ledger/grant-period';

/** The user a provider customer belongs to (linked when its checkout completed), or null. */
export async function userOfCustomer(em: Em, customerId: string | null): Promise<string | null> {
  const [row] = await em.getConnection().execute<{ user_id: string }[]>('select user_id from stripe_customers where customer_id = ?', [customerId]);
  return row?.user_id ?? null;
}

/** Whether the (subscription, period start) has its PLAN grant already. */
export async function planGrantExists(em: Em, subscriptionId: string, periodStart: Date): Promise<boolean> {
  const rows = await em
    .getConnection()
    .execute<unknown[]>(`select 1 from credit_grants where source = 'PLAN' and idempotency_key = ? limit 1`, [planKey(subscriptionId, periodStart)]);
  return rows.length > 0;
}
