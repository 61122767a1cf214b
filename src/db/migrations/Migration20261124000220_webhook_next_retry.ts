import { Migration } from '@mikro-orm/migrations';

// When a failed Stripe event's retry is due (its BullMQ job retries it then): set when it fails
// with attempts left, null when it fails for good (out of attempts, or retrying cannot fix it) and
// whenever it is claimed. The sweep enqueues a FAILED event again only when its retry is due and its
// job no longer exists (Redis lost its data) — never one that failed for good.
// Events that failed before this migration with attempts left are due now: the sweep skips those
// whose job still exists, and clears the mark of those whose job finished failed.
export class Migration20261124000220_webhook_next_retry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table webhook_events add column next_retry_at timestamptz null;
      update webhook_events set next_retry_at = now() where status = 'FAILED' and attempts < 8;
      create index webhook_events_retry_due on webhook_events (next_retry_at) where status = 'FAILED' and next_retry_at is not null;
    `);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists webhook_events_retry_due; alter table webhook_events drop column if exists next_retry_at;');
  }
}
