import { Migration } from '@mikro-orm/migrations';

// Overage invoicing (billing rules §5): one row per closed period with overage, PENDING → INVOICED
// or FAILED; the Stripe idempotency key comes from business identity (subscription, period start).
export class Migration20261124000005_overage_invoices extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table overage_invoices (
        id uuid primary key default gen_random_uuid(),
        user_id uuid not null references users (id),
        period_id uuid not null unique references usage_periods (id),
        subscription_id text not null,
        customer_id text not null,
        overage_seconds bigint not null check (overage_seconds > 0),
        amount_cents bigint not null check (amount_cents > 0),
        currency char(3) not null default 'EUR',
        description text not null,
        idempotency_key text not null unique,
        status text not null default 'PENDING' check (status in ('PENDING', 'INVOICED', 'FAILED')),
        stripe_invoice_item_id text,
        stripe_invoice_id text,
        attempts integer not null default 0,
        last_error text,
        created_at timestamptz not null default now(),
        invoiced_at timestamptz
      );
      create index overage_invoices_pending on overage_invoices (created_at) where status <> 'INVOICED';
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists overage_invoices;');
  }
}
