-- The balance a reader sees: read without a lock, settled first (under the lock) only when
-- something is due, so reads never show seconds that have expired and rarely write.
create or replace function vp_read_balance (p_user uuid, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances := (
    select
      h
    from
      credit_balances h
    where
      h.user_id = p_user);
begin
  if b.user_id is null then
    perform
      vp_fail ('USER_NOT_FOUND');
  end if;
  if vp_due (p_user, b.reserved_seconds, v_now) then
    b := vp_lock_user (p_user, v_now);
  end if;
  return vp_balance_json (b);
end
$function$;
