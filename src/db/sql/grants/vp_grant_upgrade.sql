create or replace function vp_grant_upgrade (p_user uuid, p_subscription text, p_invoice text, p_period_end timestamp
  with time zone, p_from text, p_to text, p_changed_at timestamp with time zone, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_key text := '~upgrade:' || p_invoice;
  v_fingerprint text := 'grantUpgrade|' || p_from || '|' || p_to || '|' || ((extract(epoch from
    p_period_end) * 1000)::bigint)::text;
begin
  x := vp_begin (p_user, v_key, v_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  x := vp_upgrade_period (p_user, p_period_end, p_from, p_to, p_changed_at, v_now);
  if x.v_seconds <= 0 then
    return jsonb_build_object('grant', null, 'grantedSeconds', 0);
  end if;
  return vp_grant (p_user, 'PLAN', x.v_seconds, (x.up).period_end, p_invoice, v_key, v_fingerprint,
    'Upgrade to ' || (x.t).name || ': included minutes for the rest of the period', jsonb_build_object('planCode', (x.t).code, 'fromPlanCode',
    (x.f).code, 'changedAt', x.v_at, 'periodStart', (x.up).period_start, 'periodEnd', (x.up).period_end,
    'invoice', p_invoice, 'subscription', p_subscription), (x.up).id, v_now);
end
$function$;
