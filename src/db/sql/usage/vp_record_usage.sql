-- The hot path: one call records a finished call. Lock the user; read membership context and the
-- key's earlier use in one statement; settle only when something is due; check; write.
create or replace function vp_record_usage (p_user uuid, p_seconds bigint, p_key text, p_fingerprint text, p_call_id
  text, p_occurred_at timestamp with time zone, p_description text, p_now timestamp with time zone,
  p_backdate_max_seconds integer)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  c vp_usage_ctx;
  u record;
  v_billed bigint;
  v_room bigint;
  v_result jsonb;
begin
  b := vp_lock_head (p_user);
  c := vp_usage_context (p_user, p_key, v_now);
  if c.due then
    b := vp_settle (b, v_now);
  end if;
  if c.idem_fingerprint is not null then
    return vp_idem_answer (c.idem_operation, c.idem_fingerprint, c.idem_response, p_fingerprint);
  end if;
  if p_occurred_at is not null and (p_occurred_at < v_now - make_interval(secs => p_backdate_max_seconds) or
    p_occurred_at > v_now + interval '1 minute') then
    perform
      vp_fail ('INVALID_ARGUMENT', jsonb_build_object('field', 'occurredAt'));
  end if;
  v_billed := ((p_seconds + c.increment_seconds - 1) / c.increment_seconds) * c.increment_seconds;
  v_room := b.balance_seconds - b.reserved_seconds + greatest (c.overage_max_seconds - c.overage_used_seconds, 0);
  if v_billed > v_room then
    perform
      vp_check_room (b, c, v_billed);
    -- raises the right code
  end if;
  u := vp_apply_usage (p_user, b.balance_seconds, b.last_sequence, b.last_hash, c, p_seconds, v_billed, p_key,
    p_call_id, p_description, p_occurred_at, null, v_now);
  b.balance_seconds := u.o_balance;
  b.last_sequence := u.o_sequence;
  b.last_hash := u.o_hash;
  b := vp_save_balance (b, v_now);
  v_result := u.o_result || jsonb_build_object('balance', vp_balance_json (b));
  -- the answer to a replay; its ledger entry is kept by reference (see vp_idem_put)
  insert into idempotency_records (user_id, key, operation, request_fingerprint, response, created_at)
    values (p_user, p_key, 'recordUsage', p_fingerprint, case when u.o_result -> 'transaction' = 'null'::jsonb then
        v_result - 'alerts'
      else
	(v_result - 'transaction' - 'alerts') || jsonb_build_object('transactionRef', u.o_result ->
	  'transaction' -> 'id')
      end, v_now);
  return v_result;
end
$function$;
