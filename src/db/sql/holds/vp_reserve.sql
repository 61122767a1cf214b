create or replace function vp_reserve (p_user uuid, p_seconds bigint, p_ttl_seconds integer, p_key text, p_fingerprint
  text, p_holds_max integer, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  c vp_usage_ctx;
  r reservations;
  v_room bigint;
  v_hold bigint;
begin
  x := vp_begin (p_user, p_key, p_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  if (
    select
      count(*)
    from
      reservations
    where
      user_id = p_user and status = 'ACTIVE') >= p_holds_max then
    perform
      vp_fail ('TOO_MANY_RESERVATIONS', jsonb_build_object('holdsMax', p_holds_max));
  end if;
  c := vp_usage_context (p_user, null, v_now);
  -- holds are kept in billed seconds (rounded up to the plan's increment), as the commit will bill
  v_hold := vp_round_up (p_seconds, c.increment_seconds);
  v_room := vp_check_room (x.b, c, v_hold);
  insert into reservations (id, user_id, status, reserved_seconds, allowed_seconds, idempotency_key,
    request_fingerprint, ttl_seconds, expires_at, created_at, updated_at)
    values (vp_uuid7 (), p_user, 'ACTIVE', v_hold, v_room, p_key, p_fingerprint, p_ttl_seconds, v_now +
      make_interval(secs => p_ttl_seconds), v_now, v_now)
  returning
    * into r;
  return vp_hold_answer (x.b, r, v_hold, p_key, 'reserveCredits', p_fingerprint, v_now);
end
$function$;
