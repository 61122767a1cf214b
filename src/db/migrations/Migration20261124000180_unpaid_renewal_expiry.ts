import { Migration } from '@mikro-orm/migrations';

// A renewal Stripe gave up on (billing rules §5: the subscription is cancelled or marked unpaid
// after its retries): what is left of the period's PLAN grant, still awaiting payment, expires at
// once — one EXPIRY entry, keyed by the grant, so a duplicated or reordered event writes nothing
// more. The seconds used stay on the unpaid invoice (named in the entry for an operator). A grant
// whose payment was confirmed in the meantime is left alone. A new function: no ledger function
// is redefined.
//
// The function it wrote now lives in src/db/sql/grants/vp_expire_unpaid_renewal.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000180_unpaid_renewal_expiry extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists vp_expire_unpaid_renewal(uuid, text, text, timestamptz);');
  }
}
