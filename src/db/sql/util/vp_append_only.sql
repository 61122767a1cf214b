-- The append-only rule of the audit log, the consent history and the membership history: any
-- UPDATE, DELETE or TRUNCATE is refused (SQLSTATE VPB02). The ledger has its own (vp_ledger_immutable).
create or replace function vp_append_only ()
  returns trigger
  language plpgsql
  as $function$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op
    using errcode = 'VPB02';
end
$function$;

create or replace trigger audit_log_no_truncate
  before truncate on audit_log for each statement
  execute function vp_append_only ();

create or replace trigger audit_log_no_update_delete
  before delete or update on audit_log for each row
  execute function vp_append_only ();

create or replace trigger consent_records_no_truncate
  before truncate on consent_records for each statement
  execute function vp_append_only ();

create or replace trigger consent_records_no_update_delete
  before delete or update on consent_records for each row
  execute function vp_append_only ();

create or replace trigger membership_changes_no_truncate
  before truncate on membership_changes for each statement
  execute function vp_append_only ();

create or replace trigger membership_changes_no_update_delete
  before delete or update on membership_changes for each row
  execute function vp_append_only ();
