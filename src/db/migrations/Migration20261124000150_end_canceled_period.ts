import { Migration } from '@mikro-orm/migrations';

// An immediate cancellation ends the period at once (billing rules §5): the user, an admin, the
// billing portal or Stripe itself ends the subscription before its period end. The period closes
// now: the PLAN seconds left of its grants expire now (one EXPIRY entry with their lineage), nothing
// rolls over (the membership has ended), and the overage is fixed in cents exactly as
// vp_close_period fixes it (round half up once, capped by the highest limit in force while overage
// was used), so it can go on a final invoice at once. A period that has ended or is closed already
// goes to vp_close_canceled_period (which closes it as usual or answers its first result): closing
// twice changes nothing. An OPEN period of a membership that is not CANCELED is refused
// (PERIOD_NOT_ENDED). The erasure keeps vp_close_canceled_period (it expires nothing early).
//
// The functions it wrote now live in src/db/sql/periods/vp_end_canceled_period.sql, src/db/sql/periods/vp_end_canceled_periods.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000150_end_canceled_period extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists vp_end_canceled_periods(uuid, timestamptz);');
    this.addSql('drop function if exists vp_end_canceled_period(uuid, timestamptz);');
  }
}
