import { Migration } from '@mikro-orm/migrations';

// A period that ends before its time because its membership was cancelled at once (erasure, billing
// rules §10): its overage is fixed now, so it can be billed while the Stripe customer still exists.
// The overage cents follow vp_close_period exactly (round half up once, capped by the highest limit
// in force while overage was used). Nothing expires and nothing rolls over here: the PLAN seconds
// left expire when their grants say (the period's paid end), and a membership that has ended takes
// no rollover. A period that has ended or is closed already goes to vp_close_period, which closes it
// as usual or answers its first result; an OPEN period of a membership that is not CANCELED is
// refused (PERIOD_NOT_ENDED). After this, usage of the user counts in no period and takes no
// overage (vp_usage_context: a CLOSED period, a CANCELED membership).
//
// The functions it wrote now live in src/db/sql/periods/vp_close_canceled_period.sql, src/db/sql/periods/vp_close_canceled_periods.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000070_close_canceled_period extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists vp_close_canceled_periods(uuid, timestamptz);');
    this.addSql('drop function if exists vp_close_canceled_period(uuid, timestamptz);');
  }
}
