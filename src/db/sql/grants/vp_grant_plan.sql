create or replace function vp_grant_plan (p_user uuid, p_subscription text, p_period_start timestamp with time zone,
  p_period_end timestamp with time zone, p_plan text, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_key text := '~plan:' || p_subscription || ':' || ((extract(epoch from p_period_start) * 1000)::bigint)::text;
  v_fingerprint text := 'grantPlan|' || p_plan || '|' || ((extract(epoch from p_period_end) * 1000)::bigint)::text;
begin
  x := vp_begin (p_user, v_key, v_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  x := vp_plan_period (p_user, p_plan, p_period_start, p_period_end, v_now);
  return vp_grant (p_user, 'PLAN', (x.pl).included_seconds, p_period_end, p_subscription, v_key, v_fingerprint,
    (x.pl).name || ' plan: included minutes', jsonb_build_object('planCode', (x.pl).code, 'periodStart', p_period_start,
    'periodEnd', p_period_end), x.period_id, v_now);
end
$function$;
