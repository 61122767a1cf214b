-- Settles what is due for a user whose head row the caller has locked: holds past their TTL
-- expire and grants past their expiry are written off (one EXPIRY entry with their lineage).
create or replace function vp_settle (p_user uuid, p_now timestamp with time zone)
  returns credit_balances
  language plpgsql
  as $function$
declare
  x record;
  b credit_balances;
  e ledger_entries;
  v_released bigint;
  v_expired bigint;
  v_detail jsonb;
begin
  select
    * into b
  from
    credit_balances
  where
    user_id = p_user;
  with x as (
    update
      reservations
    set
      status = 'EXPIRED',
      finished_at = p_now,
      updated_at = p_now
    where
      user_id = p_user
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
  select
    coalesce(sum(remaining_seconds), 0),
    jsonb_agg(jsonb_build_object('grantId', id, 'seconds', remaining_seconds)
    order by expires_at, id) into v_expired,
    v_detail
  from
    credit_grants
  where
    user_id = p_user
    and remaining_seconds > 0
    and expires_at <= p_now;
  if v_expired > 0 then
    x := vp_append (b, 'EXPIRY', - v_expired, 'Credits expired', jsonb_build_object('grants', v_detail), null, null, p_now);
    b := x.b;
    e := x.e;
    update
      credit_grants
    set
      expired_seconds = remaining_seconds,
      remaining_seconds = 0,
      expired_at = p_now
    where
      user_id = p_user
      and remaining_seconds > 0
      and expires_at <= p_now;
  end if;
  return vp_save_balance (b, p_now);
end
$function$;
