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
  m memberships;
  pl plans;
  v_period uuid;
begin
  x := vp_begin (p_user, v_key, v_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  select
    * into m
  from
    memberships
  where
    user_id = p_user;
  if not found then
    perform
      vp_fail ('MEMBERSHIP_NOT_FOUND');
  end if;
  pl := vp_plan (p_plan);
  if p_period_end <= v_now then
    perform
      vp_fail ('INVALID_PERIOD');
  end if;
  insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds, overage_cents_per_minute)
    values (p_user, m.id, pl.code, p_period_start, p_period_end, pl.included_seconds, pl.overage_cents_per_minute)
  on conflict (user_id, period_start)
    do update set
      included_seconds = greatest (usage_periods.included_seconds, excluded.included_seconds)
    returning
      id into v_period;
  return vp_grant (p_user, 'PLAN', pl.included_seconds, p_period_end, p_subscription, v_key, v_fingerprint,
    pl.name || ' plan: included minutes', jsonb_build_object('planCode', pl.code, 'periodStart', p_period_start,
    'periodEnd', p_period_end), v_period, v_now);
end
$function$;
