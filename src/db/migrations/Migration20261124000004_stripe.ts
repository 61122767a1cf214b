import { Migration } from '@mikro-orm/migrations';

// Stripe: one customer per user, and the webhook inbox — every event stored once by its id
// (RECEIVED → PROCESSING → PROCESSED | FAILED | IGNORED) before it is acknowledged, processed by a
// job, and swept when it was stored but never enqueued.
export class Migration20261124000004_stripe extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table stripe_customers (
        user_id uuid primary key references users (id),
        customer_id text not null unique,
        created_at timestamptz not null default now()
      );
      create table webhook_events (
        id text primary key,
        type text not null,
        payload jsonb not null,
        status text not null default 'RECEIVED'
          check (status in ('RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED', 'IGNORED')),
        attempts integer not null default 0 check (attempts >= 0),
        last_error text,
        stripe_created_at timestamptz not null,
        received_at timestamptz not null default now(),
        processed_at timestamptz
      );
      create index webhook_events_open on webhook_events (received_at) where status in ('RECEIVED', 'FAILED');
      -- the newest Stripe event applied to a membership: older ones arriving late change nothing
      alter table memberships add column stripe_event_at timestamptz;
    `);
  }

  override async down(): Promise<void> {
    this.addSql('alter table memberships drop column if exists stripe_event_at; drop table if exists webhook_events, stripe_customers;');
  }
}
