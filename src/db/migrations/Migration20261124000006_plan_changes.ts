import { Migration } from '@mikro-orm/migrations';

// Plan changes (billing rules §5) and reconciliation with Stripe.
// - A downgrade waits for the period end: the membership shows the plan it will move to.
// - An upgrade is paid at once (Stripe proration invoice); when that invoice is paid the difference
//   in included seconds, prorated by the time left in the period, is granted as PLAN seconds that
//   expire with the period — once per proration invoice. The period takes the new plan's rate.
// - vp_grant_plan no longer lowers a period's included seconds raised by an upgrade when the
//   period's own invoice.paid arrives late (Stripe delivers out of order).
// The functions are in src/db/sql/grants/ (vp_grant_upgrade.sql, vp_grant_plan.sql).
export class Migration20261124000006_plan_changes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table memberships
        add column scheduled_plan_code text references plans (code),
        add column scheduled_change_at timestamptz,
        add column reconciled_at timestamptz;
      create index memberships_reconcile on memberships (reconciled_at nulls first) where stripe_subscription_id is not null;
    `);
  }

  // vp_grant_plan keeps its safer form: it only differs from the old one for upgraded periods.
  override async down(): Promise<void> {
    this.addSql(`
      drop function vp_grant_upgrade(uuid, text, text, timestamptz, text, text, timestamptz, timestamptz);
      drop index memberships_reconcile;
      alter table memberships drop column scheduled_plan_code, drop column scheduled_change_at, drop column reconciled_at;
    `);
  }
}
