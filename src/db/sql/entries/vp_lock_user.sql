-- Locks the user's head row (vp_lock_head: fails for an unknown user) and settles what is due.
-- Returns the head.
create or replace function vp_lock_user (p_user uuid, p_now timestamp with time zone)
  returns credit_balances
  language plpgsql
  as $function$
declare
  b credit_balances := vp_lock_head (p_user);
begin
  if vp_due (p_user, b.reserved_seconds, p_now) then
    b := vp_settle (b, p_now);
  end if;
  return b;
end
$function$;
