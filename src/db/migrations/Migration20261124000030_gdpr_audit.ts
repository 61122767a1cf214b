import { Migration } from '@mikro-orm/migrations';
import { readDbFiles } from '../sql';

// Personal data (billing rules §10): the audit log and the consent history, both append-only in
// the database itself (like the ledger); the erasure requests with the progress of each step, so
// an erasure that crashed midway resumes where it stopped; the short-lived export links.
//
// Audit rows hold ids, codes and numbers, never personal data (no emails, no free text): the log
// is append-only, so it could not be cleaned at erasure — it is kept clean from the start.
export class Migration20261124000030_gdpr_audit extends Migration {
  override async up(): Promise<void> {
    for (const sql of readDbFiles('migrations/sql/0030_gdpr_audit', GDPR_AUDIT_FILES)) this.addSql(sql);
  }

  override async down(): Promise<void> {
    this.addSql(`
      drop table if exists data_exports, erasure_requests, consent_records, audit_log cascade;
      drop function if exists vp_append_only() cascade;
      alter table users drop column if exists erased_at;
    `);
  }
}

/** The frozen DDL, by concern, in the order it runs. */
const GDPR_AUDIT_FILES = ['01_audit_log_consents.sql', '02_erasures_exports.sql'];
