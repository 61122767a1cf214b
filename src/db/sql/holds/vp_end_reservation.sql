-- The end of a hold, one way or the other: committed (p_used_seconds, billed as usage) or released
-- (p_used_seconds null, nothing billed). Either gives the held seconds back to the balance. Ending it
-- the same way again answers as the first time (a commit with the same used seconds: its stored
-- answer); any other end of a hold that is not ACTIVE fails (vp_require_active).
create or replace function vp_end_reservation (p_reservation uuid, p_used_seconds bigint, p_description text, p_now
  timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_status text := case when p_used_seconds is null then
    'RELEASED'
  else
    'COMMITTED'
  end;
  b credit_balances;
  r reservations;
  c vp_usage_ctx;
  v_billed bigint;
  v_result jsonb := '{}'::jsonb;
begin
  x := vp_lock_row (null::reservations, p_reservation, v_now);
  b := x.b;
  r := x.r;
  if r.status = 'RELEASED' and v_status = 'RELEASED' then
    return jsonb_build_object('reservation', vp_reservation_json (r), 'balance', vp_balance_json (b));
  end if;
  if r.status = 'COMMITTED' and r.used_seconds = p_used_seconds then
    return r.commit_response;
    -- a replay of the same commit
  end if;
  perform
    vp_require_active (r);
  if v_status = 'COMMITTED' then
    c := vp_usage_context (r.user_id, null, v_now);
    v_billed := vp_round_up (p_used_seconds, c.increment_seconds);
    x := vp_apply_usage (r.user_id, b.balance_seconds, b.last_sequence, b.last_hash, c, p_used_seconds, v_billed,
      '~commit:' || r.id::text, null, p_description, null, r.id, v_now);
    b.balance_seconds := x.o_balance;
    b.last_sequence := x.o_sequence;
    b.last_hash := x.o_hash;
    v_result := x.o_result;
  end if;
  b.reserved_seconds := b.reserved_seconds - r.reserved_seconds;
  b := vp_save_balance (b, v_now);
  update
    reservations
  set
    status = v_status,
    used_seconds = p_used_seconds,
    billed_seconds = v_billed,
    finished_at = v_now,
    updated_at = v_now,
    usage_record_id = (v_result ->> 'usageRecordId')::uuid
  where
    id = r.id
  returning
    * into r;
  v_result := v_result || jsonb_build_object('reservation', vp_reservation_json (r), 'balance', vp_balance_json (b));
  if v_status = 'COMMITTED' then
    update
      reservations
    set
      commit_response = v_result - 'alerts'
    where
      id = r.id;
    -- a replay raises no alert again
  end if;
  return v_result;
end
$function$;
