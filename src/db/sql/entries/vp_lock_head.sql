-- Locks the user's head row (serializing the user across all processes) and returns it as it is,
-- nothing settled; fails for an unknown user. Every write starts here (vp_lock_user, vp_record_usage).
create or replace function vp_lock_head (p_user uuid)
  returns credit_balances
  language plpgsql
  as $function$
declare
  b credit_balances;
begin
  select
    * into b
  from
    credit_balances
  where
    user_id = p_user
  for update;
  if not found then
    perform
      vp_fail ('USER_NOT_FOUND');
  end if;
  return b;
end
$function$;
