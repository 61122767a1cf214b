-- Records billed seconds as fact: credits first (consumption order), the rest as overage of the
-- period (flagged past the cap) or, without an overage-eligible membership, as uncovered. Takes and
-- returns the user's head (balance, sequence, hash); the caller saves it.
create or replace function vp_apply_usage (p_user uuid, p_balance bigint, p_sequence bigint, p_hash text, c
  vp_usage_ctx, p_used bigint, p_billed bigint, p_key text, p_call_id text, p_description text, p_occurred_at timestamp
  with time zone, p_reservation uuid, p_now timestamp with time zone, OUT o_balance bigint, OUT o_sequence bigint, OUT
  o_hash text, OUT o_result jsonb)
  returns record
  language plpgsql
  as $function$
declare
  e ledger_entries;
  v_credit bigint := least (p_billed, p_balance);
  v_rest bigint := p_billed - least (p_billed, p_balance);
  v_overage bigint := 0;
  v_over_cap bigint := 0;
  v_uncovered bigint := 0;
  v_record uuid := vp_uuid7 ();
  v_alerts jsonb := '[]'::jsonb;
begin
  o_balance := p_balance;
  o_sequence := p_sequence;
  o_hash := p_hash;
  if v_credit > 0 then
    e := vp_insert_entry (p_user, p_sequence, p_hash, p_balance, 'USAGE', - v_credit, p_description,
      jsonb_strip_nulls (jsonb_build_object('usedSeconds', p_used, 'billedSeconds', p_billed, 'overageSeconds', v_rest,
      'callId', p_call_id, 'reservationId', p_reservation, 'usageRecordId', v_record, 'grants', vp_consume
      (p_user, v_credit, p_now))), p_call_id, p_key, p_now);
    o_balance := e.balance_after_seconds;
    o_sequence := e.sequence;
    o_hash := e.hash;
  end if;
  if v_rest > 0 then
    if c.overage_eligible then
      v_overage := v_rest;
      v_over_cap := greatest (c.overage_used_seconds + v_rest - c.overage_max_seconds, 0) - greatest
	(c.overage_used_seconds - c.overage_max_seconds, 0);
    else
      v_uncovered := v_rest;
    end if;
  end if;
  if c.period_id is not null and c.overage_eligible then
    -- the limit that allowed this overage is what caps the period's bill, even if it is lowered later
    update
      usage_periods
    set
      used_seconds = used_seconds + p_billed,
      overage_seconds = overage_seconds + v_overage,
      over_cap_seconds = over_cap_seconds + v_over_cap,
      overage_limit_cents = case when v_overage > 0 then
        greatest (coalesce(overage_limit_cents, 0), c.limit_cents)
      else
        overage_limit_cents
      end
    where
      id = c.period_id;
  end if;
  insert into usage_records (id, user_id, period_id, reservation_id, entry_id, call_id, description, used_seconds,
    billed_seconds, credit_seconds, overage_seconds, over_cap_seconds, uncovered_seconds, occurred_at, created_at)
    values (v_record, p_user, case when c.overage_eligible then
        c.period_id
      end, p_reservation, e.id, p_call_id, p_description, p_used, p_billed, v_credit, v_overage, v_over_cap,
	v_uncovered, coalesce(p_occurred_at, p_now), p_now);
  if c.period_id is not null and c.overage_eligible then
    v_alerts := vp_usage_alerts (p_user, c, p_billed, v_overage, p_balance, o_balance, p_now);
  end if;
  o_result := jsonb_build_object('alerts', v_alerts, 'usageRecordId', v_record, 'usedSeconds', p_used,
    'billedSeconds', p_billed, 'creditSeconds', v_credit, 'overageSeconds', v_overage, 'overCapSeconds', v_over_cap,
    'uncoveredSeconds', v_uncovered, 'transaction', case when e.id is null then
      null
    else
      vp_entry_json (e)
    end);
end
$function$;
