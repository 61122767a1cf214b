create or replace function vp_adjust (p_user uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint text,
  p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  e ledger_entries;
begin
  x := vp_begin (p_user, p_key, p_fingerprint, v_now);
  b := x.b;
  if x.replay is not null then
    return x.replay;
  end if;
  if p_seconds > 0 then
    x := vp_insert_grant (b, 'ADJUSTMENT', p_seconds, null, null, p_key, p_reason, null, null, null, v_now);
    b := x.b;
    e := x.e;
  else
    -- never below zero, and never into seconds that active holds have promised to calls
    if - p_seconds > b.balance_seconds - b.reserved_seconds then
      perform
	vp_fail ('INSUFFICIENT_CREDITS', jsonb_build_object('field', 'seconds', 'balanceSeconds', b.balance_seconds,
	  'availableSeconds', greatest (b.balance_seconds - b.reserved_seconds, 0)));
    end if;
    x := vp_append (b, 'ADJUSTMENT', p_seconds, p_reason, jsonb_build_object('grants', vp_consume (p_user, -
      p_seconds, v_now)), null, p_key, v_now);
    b := x.b;
    e := x.e;
  end if;
  return vp_keyed_answer (vp_save_balance (b, v_now), p_key, 'adjust', p_fingerprint,
    jsonb_build_object('transaction', vp_entry_json (e)), v_now);
end
$function$;
