import { Migration } from '@mikro-orm/migrations';

// Review fixes to vp_record_usage_many (group commit of recordUsage):
// - users are ordered by their id in lower case: ids arrive in any case (the API accepts upper-case
//   UUIDs) and the byte order of 'A' and 'a' differs, so two batches could lock the same two users
//   in opposite orders (a deadlock), and one user's items spelled differently lost their order;
// - each item without a clock of its own takes the time it runs (clock_timestamp()), not the
//   statement's start: an item that waited behind others must not land in a period that closed
//   meanwhile, and a user's entries keep growing times along their sequence;
// - a lock wait over the caller's lock_timeout (limits.usageLockWaitMsMax, set in the same
//   statement) fails that item with SQLSTATE 55P03 (SERVICE_UNAVAILABLE: retried by the client
//   with the same key), and that user's later items in the batch at once, instead of holding the
//   batch — and with it one of the process's few statements in flight, and the locks it already
//   holds on other users — for as long as a stuck transaction lives.
//
// The function it wrote now lives in src/db/sql/usage/vp_record_usage_many.sql
// (current state, applied by migrate()); this migration no longer carries a body.
export class Migration20261124000080_usage_batches_review extends Migration {
  override async up(): Promise<void> {
    // the bodies are applied from src/db/sql/ after the migrations
  }

  override async down(): Promise<void> {
    // no older body is kept: a body is rolled back by editing its file in src/db/sql/
  }
}
