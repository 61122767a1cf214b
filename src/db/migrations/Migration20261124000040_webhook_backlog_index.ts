import { Migration } from '@mikro-orm/migrations';

// /metrics counts the stored Stripe events not processed yet on every scrape; RECEIVED and FAILED
// are indexed already (webhook_events_open), PROCESSING was not: without this a scrape reads the
// whole inbox.
export class Migration20261124000040_webhook_backlog_index extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index webhook_events_processing on webhook_events (received_at) where status = 'PROCESSING';`);
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists webhook_events_processing;');
  }
}
