import { Migration } from '@mikro-orm/migrations';

// What an erasure left for an operator to collect (unpaid invoices, declined final invoices, overage
// lines given up), kept on the request before the Stripe customer is deleted: a run that resumes
// after a crash names them too, though Stripe no longer knows the customer.
export class Migration20261124000100_erasure_collection extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table erasure_requests add column collection jsonb not null default '{}'::jsonb;`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table erasure_requests drop column collection;');
  }
}
