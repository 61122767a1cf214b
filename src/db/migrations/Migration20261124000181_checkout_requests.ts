import { Migration } from '@mikro-orm/migrations';

// A checkout (subscription or top-up) asked for with the client's idempotency key: the session it
// answered, kept durably (Stripe forgets its keys after about a day), so a retried mutation with the
// same key answers the same session and asks Stripe for nothing new. Keys are per user, one space
// for both kinds of checkout; the fingerprint tells a retry from a reuse with other input.
export class Migration20261124000181_checkout_requests extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table checkout_requests (
  user_id uuid not null references users (id),
  key text not null check (length(key) between 1 and 128),
  fingerprint text not null,
  session_id text not null,
  url text not null,
  amount_cents bigint,
  created_at timestamptz not null default now(),
  primary key (user_id, key)
);`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table checkout_requests;');
  }
}
