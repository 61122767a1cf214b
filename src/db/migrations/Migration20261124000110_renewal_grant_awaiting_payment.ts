import { Migration } from '@mikro-orm/migrations';

// A renewed period's PLAN grant is made when the period opens, before its invoice is paid
// (billing rules §5): `awaiting_payment` is true until that invoice's invoice.paid confirms it.
// Null for grants made before (and for grants that are not a period's recharge).
export class Migration20261124000110_renewal_grant_awaiting_payment extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table credit_grants add column awaiting_payment boolean;`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table credit_grants drop column awaiting_payment;');
  }
}
