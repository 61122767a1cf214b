-- Settles what is due for the user of the head row b, which the caller has locked: holds past their
-- TTL expire and grants past their expiry are written off (one EXPIRY entry with their lineage).
-- Answers the saved head.
create or replace function vp_settle (b credit_balances, p_now timestamp with time zone)
  returns credit_balances
  language plpgsql
  as $function$
declare
  x record;
  v_released bigint;
begin
  with x as (
    update
      reservations
    set
      status = 'EXPIRED',
      finished_at = p_now,
      updated_at = p_now
    where
      user_id = b.user_id
      and status = 'ACTIVE'
      and expires_at <= p_now
    returning
      reserved_seconds
)
  select
    coalesce(sum(reserved_seconds), 0) into v_released
  from
    x;
  b.reserved_seconds := b.reserved_seconds - v_released;
  x := vp_expire_grants (b, array (
      select
        id
      from vp_grants_left (b.user_id, p_now, false)), 'Credits expired', null, p_now);
  return vp_save_balance (x.b, p_now);
end
$function$;
