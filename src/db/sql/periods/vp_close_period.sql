-- Closes a period and fixes its overage in cents (vp_mark_period_closed); closing twice answers
-- the first result.
-- p_early null: a period whose end has passed (the sweep). Its PLAN seconds left have expired with
-- their grants (locking the user settles them), and the plan's rollover becomes a ROLLOVER grant.
-- p_early 'KEEP_PLAN_SECONDS' or 'EXPIRE_PLAN_SECONDS': the period's membership was cancelled at
-- once, so it closes now, before its end, and nothing rolls over (the membership has ended). Its
-- PLAN seconds left (an upgrade's too) are kept, to expire when their grants say (the period's paid
-- end), or expire now in one EXPIRY entry with their lineage (an immediate cancellation, an
-- erasure). A period of a membership that is not CANCELED is not closed before its end
-- (PERIOD_NOT_ENDED); one that has ended closes as the sweep closes it.
create or replace function vp_close_period (p_period uuid, p_early text, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  p usage_periods;
  b credit_balances;
  ms memberships;
  pl plans;
  v_unused bigint := 0;
  v_rollover bigint;
  v_next_end timestamptz;
begin
  x := vp_lock_row (null::usage_periods, p_period, v_now);
  p := x.r;
  b := x.b;
  if p.status = 'CLOSED' then
    return vp_period_close_json (p, b);
  end if;
  select
    * into ms
  from
    memberships
  where
    id = p.membership_id;
  if p.period_end > v_now and (p_early is null or ms.status <> 'CANCELED') then
    perform
      vp_fail ('PERIOD_NOT_ENDED', jsonb_build_object('periodEnd', p.period_end));
  end if;
  select
    * into pl
  from
    plans
  where
    code = p.plan_code;
  if p.period_end > v_now then
    if p_early = 'EXPIRE_PLAN_SECONDS' then
      x := vp_expire_grants (b, array (
          select
            id
          from credit_grants
          where
            user_id = p.user_id
            and period_id = p.id
            and source = 'PLAN'), 'Included minutes expired: membership ended', jsonb_build_object('periodId', p.id), v_now);
      if (x.e).id is not null then
        b := vp_save_balance (x.b, v_now);
      end if;
      v_unused := vp_period_expired_seconds (p.id);
    end if;
    return vp_mark_period_closed (p, ms, pl, b, v_unused, 0, v_now);
  end if;
  v_unused := vp_period_expired_seconds (p.id);
  -- the rollover is capped by the room left under the largest balance: what does not fit expires
  v_rollover := least (v_unused, pl.rollover_max_seconds, greatest (vp_balance_seconds_max () - b.balance_seconds, 0));
  if v_rollover > 0 then
    v_next_end := case when ms.current_period_end > p.period_end then
      ms.current_period_end
    else
      p.period_end + (p.period_end - p.period_start)
    end;
    if v_next_end > v_now then
      x := vp_insert_grant (b, 'ROLLOVER', v_rollover, v_next_end, p.id::text, '~rollover:' || p.id::text,
	'Rollover of unused included minutes', jsonb_build_object('fromPeriod', p.id), null, null, v_now);
      b := vp_save_balance (x.b, v_now);
    else
      v_rollover := 0;
    end if;
  end if;
  return vp_mark_period_closed (p, ms, pl, b, v_unused, v_rollover, v_now);
end
$function$;
