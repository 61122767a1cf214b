-- Loads a period after locking its user (vp_lock_owner: settling what is due); fails when it does
-- not exist.
create or replace function vp_lock_period (p_period uuid, p_now timestamp with time zone, OUT b credit_balances, OUT p
  usage_periods)
  returns record
  language plpgsql
  as $function$
begin
  b := vp_lock_owner ((
    select
      user_id
    from usage_periods
    where
      id = p_period), p_now);
  if b.user_id is null then
    perform
      vp_fail ('PERIOD_NOT_FOUND');
  end if;
  p := (
    select
      t
    from
      usage_periods t
    where
      t.id = p_period);
end
$function$;
