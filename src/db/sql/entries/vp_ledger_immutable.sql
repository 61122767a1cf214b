CREATE OR REPLACE FUNCTION vp_ledger_immutable()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  raise exception 'ledger_entries is append-only: % refused', tg_op using errcode = 'VPB02';
end $function$;

CREATE OR REPLACE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION vp_ledger_immutable();

CREATE OR REPLACE TRIGGER ledger_entries_no_update_delete BEFORE DELETE OR UPDATE ON ledger_entries FOR EACH ROW EXECUTE FUNCTION vp_ledger_immutable();
