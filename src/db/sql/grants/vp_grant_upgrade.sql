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
  f plans;
  t plans;
  up usage_periods;
  v_at timestamptz;
  v_total_ms bigint;
  v_left_ms bigint;
  v_seconds bigint;
begin
  x := vp_begin (p_user, v_key, v_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  f := vp_plan (p_from);
  t := vp_plan (p_to);
  if t.included_seconds <= f.included_seconds then
    perform
      vp_fail ('INVALID_ARGUMENT', jsonb_build_object('reason', 'not an upgrade'));
  end if;
  select
    * into up
  from
    usage_periods
  where
    user_id = p_user
    and period_end = p_period_end;
  if not found then
    perform
      vp_fail ('PERIOD_NOT_FOUND');
  end if;
  if up.period_end <= v_now or up.status <> 'OPEN' then
    perform
      vp_fail ('INVALID_PERIOD');
  end if;
  v_at := least (greatest (p_changed_at, up.period_start), up.period_end);
  v_total_ms := (extract(epoch from (up.period_end - up.period_start)) * 1000)::bigint;
  v_left_ms := (extract(epoch from (up.period_end - v_at)) * 1000)::bigint;
  -- whole seconds, rounded down: (difference × time left) / period length
  v_seconds := ((t.included_seconds - f.included_seconds) * v_left_ms) / v_total_ms;
  update
    usage_periods
  set
    plan_code = t.code,
    overage_cents_per_minute = t.overage_cents_per_minute,
    included_seconds = included_seconds + v_seconds
  where
    id = up.id;
  if v_seconds <= 0 then
    return jsonb_build_object('grant', null, 'grantedSeconds', 0);
  end if;
  return vp_grant (p_user, 'PLAN', v_seconds, up.period_end, p_invoice, v_key, v_fingerprint, 'Upgrade to '
    || t.name || ': included minutes for the rest of the period', jsonb_build_object('planCode', t.code, 'fromPlanCode', f.code, 'changedAt',
    v_at, 'periodStart', up.period_start, 'periodEnd', up.period_end, 'invoice', p_invoice,
    'subscription', p_subscription), up.id, v_now);
end
$function$;
