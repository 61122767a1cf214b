-- The end of a keyed write that holds more seconds (vp_reserve, vp_extend_reservation): the head b
-- holds p_added seconds more, is saved, and the answer names the hold r (vp_keyed_answer).
create or replace function vp_hold_answer (b credit_balances, r reservations, p_added bigint, p_key text, p_operation
  text, p_fingerprint text, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
begin
  b.reserved_seconds := b.reserved_seconds + p_added;
  return vp_keyed_answer (vp_save_balance (b, p_now), p_key, p_operation, p_fingerprint,
    jsonb_build_object('reservation', vp_reservation_json (r)), p_now);
end
$function$;
