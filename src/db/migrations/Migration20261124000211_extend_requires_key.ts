import { Migration } from '@mikro-orm/migrations';

// extendReservation requires its idempotency key (the API's ExtendReservationInput.idempotencyKey is
// String!, the domain checks it): the ledger function refuses a call without one too
// (INVALID_IDEMPOTENCY_KEY, nothing written), so no caller can extend a hold in a way a retry would
// extend again. A replay (same key, same input) answers the stored first answer and adds nothing;
// the same key with other input is IDEMPOTENCY_KEY_REUSED (vp_idem_get). Otherwise unchanged from
// Migration20261124000002.
//
// The function it wrote now lives in src/db/sql/holds/vp_extend_reservation.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000211_extend_requires_key extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    // no older body is kept: a body is rolled back by editing its file in src/db/sql/
  }
}
