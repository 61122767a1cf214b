import { Migration } from '@mikro-orm/migrations';

// Stripe acts on memberships too (a checkout completed, a plan applied, a subscription ended): its
// webhooks are audited with the actor role STRIPE (no actor id), beside USER, SERVICE, ADMIN and
// SYSTEM. The down migration keeps rows with STRIPE readable: the old check is added NOT VALID.
export class Migration20261124000151_audit_actor_stripe extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table audit_log drop constraint if exists audit_log_actor_role_check;
alter table audit_log add constraint audit_log_actor_role_check check (actor_role in ('USER', 'SERVICE', 'ADMIN', 'SYSTEM', 'STRIPE'));`);
  }

  override async down(): Promise<void> {
    this.addSql(`
alter table audit_log drop constraint if exists audit_log_actor_role_check;
alter table audit_log add constraint audit_log_actor_role_check check (actor_role in ('USER', 'SERVICE', 'ADMIN', 'SYSTEM')) not valid;`);
  }
}
