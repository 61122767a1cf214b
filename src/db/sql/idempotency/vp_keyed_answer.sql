-- The end of every keyed write: its answer with the user's balance, stored for the replays of its
-- key (vp_idem_put). The caller has saved the balance.
create or replace function vp_keyed_answer (b credit_balances, p_key text, p_operation text, p_fingerprint text,
  p_answer jsonb, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_result jsonb := p_answer || jsonb_build_object('balance', vp_balance_json (b));
begin
  perform
    vp_idem_put (b.user_id, p_key, p_operation, p_fingerprint, v_result, p_now);
  return v_result;
end
$function$;
