create or replace function vp_balance_json (b credit_balances)
  returns jsonb
  language plpgsql
  immutable
  as $function$
begin
  return jsonb_build_object('userId', b.user_id, 'balanceSeconds', b.balance_seconds, 'reservedSeconds',
    b.reserved_seconds, 'version', b.version, 'updatedAt', b.updated_at);
end
$function$;
