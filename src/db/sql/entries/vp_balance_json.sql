CREATE OR REPLACE FUNCTION vp_balance_json(b credit_balances)
 RETURNS jsonb
 LANGUAGE plpgsql
 IMMUTABLE
AS $function$
begin
  return jsonb_build_object('userId', b.user_id, 'balanceSeconds', b.balance_seconds,
    'reservedSeconds', b.reserved_seconds, 'version', b.version, 'updatedAt', b.updated_at);
end $function$;
