-- Settles what is due for one user and returns the balance (used by the sweeps).
create or replace function vp_touch_user (p_user uuid, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
begin
  return vp_balance_json (vp_lock_user (p_user, coalesce(p_now, statement_timestamp())));
end
$function$;
