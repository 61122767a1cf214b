-- Locks the user who owns a row found by its id (vp_lock_user: settling what is due): p_user is that
-- row's user_id, null when there is no such row, which answers a null head (the caller fails).
create or replace function vp_lock_owner (p_user uuid, p_now timestamp with time zone)
  returns credit_balances
  language plpgsql
  as $function$
begin
  if p_user is null then
    return null;
  end if;
  return vp_lock_user (p_user, p_now);
end
$function$;
