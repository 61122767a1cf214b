create or replace function vp_save_balance (inout b credit_balances, p_now timestamp with time zone)
  returns credit_balances
  language plpgsql
  as $function$
begin
  update
    credit_balances
  set
    balance_seconds = b.balance_seconds,
    reserved_seconds = b.reserved_seconds,
    last_sequence = b.last_sequence,
    last_hash = b.last_hash,
    version = version + 1,
    updated_at = p_now
  where
    user_id = b.user_id
  returning
    version,
    updated_at into b.version,
    b.updated_at;
end
$function$;
