import { Migration } from '@mikro-orm/migrations';
import { Migration20261124000120_refund_lineage } from './Migration20261124000120_refund_lineage';

// A refunded second whose paying grant has expired gets "the end of the current period (or 30 days
// when there is no membership)" (billing rules §3). A membership that has ended (CANCELED: an
// immediate cancellation, an erasure, Stripe giving up) has no current period any more, even while
// its last period's end lies ahead: 30 days then. vp_refund_usage is otherwise as migration 0120
// wrote it; this one applies 0120's text with that one condition added (and down() applies 0120's).
const FALLBACK = `select case when ms.current_period_end > v_now then ms.current_period_end end into v_fallback
    from memberships ms where ms.user_id = u.user_id;`;
const FALLBACK_LIVE = `select case when ms.current_period_end > v_now then ms.current_period_end end into v_fallback
    from memberships ms where ms.user_id = u.user_id and ms.status <> 'CANCELED';`;

export class Migration20261124000230_refund_fallback_after_end extends Migration {
  private async refundLineageSql(): Promise<string[]> {
    const earlier = new Migration20261124000120_refund_lineage(this.driver, this.config);
    await earlier.up();
    return earlier.getQueries().map((q) => String(q));
  }

  override async up(): Promise<void> {
    for (const sql of await this.refundLineageSql()) {
      if (!sql.includes(FALLBACK)) throw new Error('migration 0230: vp_refund_usage of migration 0120 is not the text this migration amends');
      this.addSql(sql.replace(FALLBACK, FALLBACK_LIVE));
    }
  }

  override async down(): Promise<void> {
    for (const sql of await this.refundLineageSql()) this.addSql(sql);
  }
}
