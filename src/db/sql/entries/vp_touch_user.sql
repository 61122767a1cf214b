-- Settles what is due for one user and returns the balance (used by the sweeps).
create or replace function vp_touch_user (p_user uuid, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  b credit_balances := vp_lock_user (p_user, coalesce(p_now, statement_timestamp()));
begin
  if b.user_id is null then
    perform
      vp_fail ('USER_NOT_FOUND');
  end if;
  return vp_balance_json (b);
end
$function$;
