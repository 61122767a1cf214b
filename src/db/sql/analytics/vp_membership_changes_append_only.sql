CREATE OR REPLACE FUNCTION vp_membership_changes_append_only()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'VPB02';
end $function$;

CREATE OR REPLACE TRIGGER membership_changes_no_truncate BEFORE TRUNCATE ON membership_changes FOR EACH STATEMENT EXECUTE FUNCTION vp_membership_changes_append_only();

CREATE OR REPLACE TRIGGER membership_changes_no_update_delete BEFORE DELETE OR UPDATE ON membership_changes FOR EACH ROW EXECUTE FUNCTION vp_membership_changes_append_only();
