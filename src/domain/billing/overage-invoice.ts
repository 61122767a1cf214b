// Turns a closed period's overage into one invoice line, exactly once: a row per period (unique),
// a provider idempotency key from business identity, PENDING → INVOICED | FAILED.
import { asDate } from '../../shared/time';
import type { Em } from '../../db/em';

export interface OverageLine {
  id: string;
  userId: string;
  periodId: string;
  subscriptionId: string;
  customerId: string;
  overageSeconds: number;
  amountCents: number;
  description: string;
  idempotencyKey: string;
  status: 'PENDING' | 'INVOICED' | 'FAILED';
}

const day = (d: Date) => `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;

/** "Überschreitung: 42 Minuten (01.11.2026–30.11.2026)" — minutes rounded up, the last day inclusive. */
export function overageDescription(overageSeconds: number, periodStart: Date, periodEnd: Date): string {
  const minutes = Math.ceil(overageSeconds / 60);
  const lastDay = new Date(periodEnd.getTime() - 1);
  return `Überschreitung: ${minutes} Minuten (${day(periodStart)}–${day(lastDay)})`;
}

type Row = Record<string, unknown>;
const toLine = (r: Row): OverageLine => ({
  id: r.id as string,
  userId: r.user_id as string,
  periodId: r.period_id as string,
  subscriptionId: r.subscription_id as string,
  customerId: r.customer_id as string,
  overageSeconds: Number(r.overage_seconds),
  amountCents: Number(r.amount_cents),
  description: r.description as string,
  idempotencyKey: r.idempotency_key as string,
  status: r.status as OverageLine['status'],
});

/**
 * The invoice line of a closed period with overage cents, created once (or found). Null when the
 * period has no overage to bill or no Stripe subscription.
 */
export async function overageLineFor(em: Em, periodId: string): Promise<OverageLine | null> {
  const conn = em.getConnection();
  const [p] = await conn.execute<Row[]>(
    `select up.id, up.user_id, up.period_start, up.period_end, up.overage_seconds, up.overage_cents, up.status,
            ms.stripe_subscription_id, sc.customer_id
       from usage_periods up
       join memberships ms on ms.id = up.membership_id
       left join stripe_customers sc on sc.user_id = up.user_id
      where up.id = ?`,
    [periodId],
  );
  if (!p || p.status !== 'CLOSED' || !p.overage_cents || Number(p.overage_cents) <= 0) return null;
  if (!p.stripe_subscription_id || !p.customer_id) return null;
  const start = asDate(p.period_start as string);
  const end = asDate(p.period_end as string);
  const key = `overage-${p.stripe_subscription_id}-${Math.floor(start.getTime() / 1000)}`;
  await conn.execute(
    `insert into overage_invoices (user_id, period_id, subscription_id, customer_id, overage_seconds, amount_cents, description, idempotency_key)
     values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (period_id) do nothing`,
    [
      p.user_id,
      p.id,
      p.stripe_subscription_id,
      p.customer_id,
      p.overage_seconds,
      p.overage_cents,
      overageDescription(Number(p.overage_seconds), start, end),
      key,
    ],
  );
  const [row] = await conn.execute<Row[]>('select * from overage_invoices where period_id = ?', [periodId]);
  return toLine(row!);
}

export async function markInvoiced(em: Em, id: string, itemId: string, invoiceId: string | null): Promise<void> {
  await em.getConnection().execute(
    `update overage_invoices set status = 'INVOICED', stripe_invoice_item_id = ?, stripe_invoice_id = coalesce(?, stripe_invoice_id),
            invoiced_at = coalesce(invoiced_at, now()), last_error = null,
            -- a second, concurrent try (two sweeps) that finds the line invoiced is not another attempt
            attempts = attempts + case when status = 'INVOICED' then 0 else 1 end,
            last_attempt_at = case when status = 'INVOICED' then last_attempt_at else now() end
      where id = ?`,
    [itemId, invoiceId, id],
  );
}

export async function markFailed(em: Em, id: string, error: string): Promise<void> {
  await em
    .getConnection()
    .execute(
      `update overage_invoices set status = 'FAILED', attempts = attempts + 1, last_attempt_at = now(), last_error = ? where id = ? and status <> 'INVOICED'`,
      [error.slice(0, 1000), id],
    );
}
