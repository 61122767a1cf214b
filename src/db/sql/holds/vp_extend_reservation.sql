create or replace function vp_extend_reservation (p_reservation uuid, p_seconds bigint, p_ttl_seconds integer, p_key
  text, p_fingerprint text, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  r reservations;
  c vp_usage_ctx;
  v_room bigint;
  v_add bigint := 0;
  v_result jsonb;
begin
  if p_key is null then
    perform
      vp_fail ('INVALID_IDEMPOTENCY_KEY', jsonb_build_object('field', 'idempotencyKey'));
  end if;
  x := vp_lock_row (null::reservations, p_reservation, v_now);
  b := x.b;
  r := x.r;
  v_result := vp_idem_get (r.user_id, p_key, p_fingerprint);
  if v_result is not null then
    return v_result;
  end if;
  perform
    vp_require_active (r);
  if p_seconds > 0 then
    c := vp_usage_context (r.user_id, null, v_now);
    v_add := vp_round_up (p_seconds, c.increment_seconds);
    v_room := vp_check_room (b, c, v_add);
  else
    v_room := 0;
  end if;
  update
    reservations
  set
    reserved_seconds = reserved_seconds + v_add,
    allowed_seconds = greatest (allowed_seconds, reserved_seconds + v_room),
    ttl_seconds = p_ttl_seconds,
    expires_at = v_now + make_interval(secs => p_ttl_seconds),
    updated_at = v_now
  where
    id = p_reservation
  returning
    * into r;
  return vp_hold_answer (b, r, v_add, p_key, 'extendReservation', p_fingerprint, v_now);
end
$function$;
