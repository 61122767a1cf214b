create or replace function vp_expire_unpaid_renewal (p_grant uuid, p_subscription text, p_invoice text, p_now timestamp
  with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_key text := '~unpaid-renewal:' || p_grant::text;
  v_fingerprint text := 'expireUnpaidRenewal|' || coalesce(p_subscription, '');
  g credit_grants;
  b credit_balances;
  e ledger_entries;
  v_left bigint := 0;
  v_used bigint;
begin
  select
    * into g
  from
    credit_grants
  where
    id = p_grant;
  if not found or g.source <> 'PLAN' then
    perform
      vp_fail ('INVALID_ARGUMENT', jsonb_build_object('field', 'grantId'));
  end if;
  x := vp_begin (g.user_id, v_key, v_fingerprint, v_now);
  -- locks the user, settles what is due
  b := x.b;
  if x.replay is not null then
    return x.replay;
  end if;
  select
    * into g
  from
    credit_grants
  where
    id = p_grant;
  v_used := g.granted_seconds - g.remaining_seconds - coalesce(g.expired_seconds, 0);
  if g.awaiting_payment is distinct from true then
    -- paid (or never a renewal granted ahead of its payment): nothing to withdraw, nothing stored
    return jsonb_build_object('grantId', g.id, 'userId', g.user_id, 'confirmed', true, 'expiredSeconds', 0,
      'usedSeconds', v_used, 'transaction', null, 'balance', vp_balance_json (b));
  end if;
  v_left := g.remaining_seconds;
  if v_left > 0 then
    x := vp_append (b, 'EXPIRY', - v_left, 'Unpaid renewal: remaining included minutes expired', jsonb_build_object('reason', 'UNPAID_RENEWAL',
      'grants', jsonb_build_array(jsonb_build_object('grantId', g.id, 'seconds', v_left)),
      'subscription', p_subscription, 'invoice', p_invoice, 'usedSeconds', v_used), g.reference, v_key,
      v_now);
    b := x.b;
    e := x.e;
    update
      credit_grants
    set
      expired_seconds = v_left,
      remaining_seconds = 0,
      expired_at = v_now
    where
      id = g.id;
    b := vp_save_balance (b, v_now);
  elsif g.expired_at is null then
    update
      credit_grants
    set
      expired_seconds = 0,
      expired_at = v_now
    where
      id = g.id;
  end if;
  return vp_keyed_answer (b, v_key, 'expireUnpaidRenewal', v_fingerprint, jsonb_build_object('grantId', g.id,
    'userId', g.user_id, 'confirmed', false, 'expiredSeconds', v_left, 'usedSeconds', v_used,
    'invoice', p_invoice, 'transaction', case when e.id is null then
        null
      else
        vp_entry_json (e)
      end), v_now);
end
$function$;
