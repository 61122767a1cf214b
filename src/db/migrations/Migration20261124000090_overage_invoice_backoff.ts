import { Migration } from '@mikro-orm/migrations';

// When an overage invoice line was last tried, so the sweep backs off between tries (2, 4, 8 …
// minutes, at most 6 h) instead of spending its 10 tries within a minute of a Stripe outage.
export class Migration20261124000090_overage_invoice_backoff extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table overage_invoices add column last_attempt_at timestamptz;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table overage_invoices drop column last_attempt_at;');
  }
}
