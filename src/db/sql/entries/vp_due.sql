-- Whether anything of the user is due at p_now: a hold past its TTL or a grant past its expiry.
create or replace function vp_due (p_user uuid, p_reserved bigint, p_now timestamp with time zone)
  returns boolean
  language plpgsql
  as $function$
begin
  return (p_reserved > 0
    and exists (
      select
        1
      from
        reservations
      where
        user_id = p_user
        and status = 'ACTIVE'
        and expires_at <= p_now))
    or exists (
      select
        1
      from
        vp_grants_left (p_user, p_now, false));
end
$function$;
