create or replace function vp_ledger_immutable ()
  returns trigger
  language plpgsql
  as $function$
begin
  raise exception 'ledger_entries is append-only: % refused', tg_op
    using errcode = 'VPB02';
end
$function$;

create or replace trigger ledger_entries_no_truncate
  before truncate on ledger_entries for each statement
  execute function vp_ledger_immutable ();

create or replace trigger ledger_entries_no_update_delete
  before delete or update on ledger_entries for each row
  execute function vp_ledger_immutable ();
