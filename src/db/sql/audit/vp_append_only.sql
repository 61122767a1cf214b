CREATE OR REPLACE FUNCTION vp_append_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'VPB02';
end $function$;

CREATE OR REPLACE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION vp_append_only();

CREATE OR REPLACE TRIGGER audit_log_no_update_delete BEFORE DELETE OR UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION vp_append_only();

CREATE OR REPLACE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON consent_records FOR EACH STATEMENT EXECUTE FUNCTION vp_append_only();

CREATE OR REPLACE TRIGGER consent_records_no_update_delete BEFORE DELETE OR UPDATE ON consent_records FOR EACH ROW EXECUTE FUNCTION vp_append_only();
