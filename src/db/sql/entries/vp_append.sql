create or replace function vp_append (inout b credit_balances, p_type text, p_amount bigint, p_description text,
  p_metadata jsonb, p_reference text, p_key text, p_now timestamp with time zone, OUT e ledger_entries)
  returns record
  language plpgsql
  as $function$
begin
  if p_amount > 0 and b.balance_seconds + p_amount > vp_balance_seconds_max () then
    perform
      vp_fail ('BALANCE_LIMIT_EXCEEDED', jsonb_build_object('field', 'seconds', 'balanceSeconds', b.balance_seconds,
	'balanceSecondsMax', vp_balance_seconds_max (), 'roomSeconds', greatest (vp_balance_seconds_max () -
	b.balance_seconds, 0)));
  end if;
  e := vp_insert_entry (b.user_id, b.last_sequence, b.last_hash, b.balance_seconds, p_type, p_amount, p_description,
    p_metadata, p_reference, p_key, p_now);
  b.balance_seconds := e.balance_after_seconds;
  b.last_sequence := e.sequence;
  b.last_hash := e.hash;
end
$function$;
