-- Every OPEN period of the user's CANCELED membership, ended now (above), chosen under the user's
-- lock: a usage that read the membership as still ACTIVE holds that lock until it commits, so its
-- overage is in the period before the period is chosen. Answers the outcomes in period order.
create or replace function vp_end_canceled_periods (p_user uuid, p_now timestamp with time zone)
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
      v_out := v_out || jsonb_build_array(vp_end_canceled_period (r.id, v_now));
    end loop;
  return v_out;
end
$function$;
