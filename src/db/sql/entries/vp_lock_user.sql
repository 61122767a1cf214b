-- Locks the user's head row (serializing the user across all processes) and settles what is due.
-- Returns the head, or a null row when the user does not exist.
create or replace function vp_lock_user (p_user uuid, p_now timestamp with time zone)
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
    return null;
  end if;
  if vp_due (p_user, b.reserved_seconds, p_now) then
    b := vp_settle (p_user, p_now);
  end if;
  return b;
end
$function$;
