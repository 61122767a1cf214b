-- Every OPEN period of the user's CANCELED memberships, closed now (vp_close_period, its PLAN
-- seconds expiring now or kept as p_expire_now says), chosen under the user's lock: a usage
-- that read the membership as still ACTIVE holds that lock until it commits, so its overage is in
-- the period before the period is chosen and closed, and a usage after this sees a CANCELED
-- membership and takes no overage. Answers the outcomes in period order.
create or replace function vp_close_canceled_periods (p_user uuid, p_expire_now boolean, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_out jsonb := '[]';
  r record;
begin
  perform
    vp_lock_user (p_user, v_now);
  for r in
  select
    up.id
  from
    usage_periods up
    join memberships ms on ms.id = up.membership_id
  where
    up.user_id = p_user
    and up.status = 'OPEN'
    and ms.status = 'CANCELED'
  order by
    up.period_start loop
      v_out := v_out || jsonb_build_array(vp_close_period (r.id, case when p_expire_now then
            'EXPIRE_PLAN_SECONDS'
          else
            'KEEP_PLAN_SECONDS'
          end, v_now));
    end loop;
  return v_out;
end
$function$;
