-- The period a PLAN grant is for (vp_grant_plan): the user's membership and the plan must exist and
-- the period must not have ended; its usage period is created, or keeps the larger included seconds.
-- Answers the plan and the period's id.
create or replace function vp_plan_period (p_user uuid, p_plan text, p_period_start timestamp with time zone,
  p_period_end timestamp with time zone, p_now timestamp with time zone, OUT pl plans, OUT period_id uuid)
  returns record
  language plpgsql
  as $function$
declare
  m memberships;
begin
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
  if p_period_end <= p_now then
    perform
      vp_fail ('INVALID_PERIOD');
  end if;
  insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds, overage_cents_per_minute)
    values (p_user, m.id, pl.code, p_period_start, p_period_end, pl.included_seconds, pl.overage_cents_per_minute)
  on conflict (user_id, period_start)
    do update set
      included_seconds = greatest (usage_periods.included_seconds, excluded.included_seconds)
    returning
      id into period_id;
end
$function$;
