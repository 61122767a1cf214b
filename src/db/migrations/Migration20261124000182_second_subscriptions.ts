import { Migration } from '@mikro-orm/migrations';

// One live subscription per user (billing rules §5): a second subscription Stripe completed anyway
// (two checkouts opened before either completed) is cancelled at once and its payment refunded.
// Each such subscription is recorded once (so later events of it are recognised whatever the
// membership does next), each refunded invoice once.
export class Migration20261124000182_second_subscriptions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table second_subscriptions (
  subscription_id text primary key,
  user_id uuid not null references users (id),
  kept_subscription_id text not null,
  created_at timestamptz not null default now()
);
create table second_subscription_refunds (
  invoice_id text primary key,
  subscription_id text not null,
  user_id uuid not null references users (id),
  refund_ids text[] not null,
  refunded_cents bigint not null check (refunded_cents >= 0),
  created_at timestamptz not null default now()
);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table second_subscription_refunds; drop table second_subscriptions;');
  }
}
