-- The part of its period an upgrade grants (vp_grant_upgrade): both plans must exist and p_to
-- include more; the user's OPEN period ending at p_period_end takes the new plan and the included
-- seconds of the difference for the time left from p_changed_at (whole seconds, rounded down).
-- Answers both plans, the period, the time the upgrade counts from and the seconds added.
create or replace function vp_upgrade_period (p_user uuid, p_period_end timestamp with time zone, p_from text, p_to
  text, p_changed_at timestamp with time zone, p_now timestamp with time zone, OUT f plans, OUT t plans, OUT up
  usage_periods, OUT v_at timestamp with time zone, OUT v_seconds bigint)
  returns record
  language plpgsql
  as $function$
declare
  v_total_ms bigint;
  v_left_ms bigint;
begin
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
  if up.period_end <= p_now or up.status <> 'OPEN' then
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
end
$function$;
