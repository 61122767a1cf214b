-- Loads a period after locking its user (settling what is due); fails when it does not exist.
create or replace function vp_lock_period (p_period uuid, p_now timestamp with time zone, OUT b credit_balances, OUT p
  usage_periods)
  returns record
  language plpgsql
  as $function$
declare
  v_user uuid;
begin
  select
    user_id into v_user
  from
    usage_periods
  where
    id = p_period;
  if not found then
    perform
      vp_fail ('PERIOD_NOT_FOUND');
  end if;
  b := vp_lock_user (v_user, p_now);
  select
    * into p
  from
    usage_periods
  where
    id = p_period;
end
$function$;
