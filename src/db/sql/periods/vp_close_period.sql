create or replace function vp_close_period (p_period uuid, p_now timestamp with time zone)
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
  g credit_grants;
  e ledger_entries;
  v_unused bigint;
  v_rollover bigint;
  v_limit bigint;
  v_cents bigint;
  v_next_end timestamptz;
begin
  select
    * into p
  from
    usage_periods
  where
    id = p_period;
  if not found then
    perform
      vp_fail ('PERIOD_NOT_FOUND');
  end if;
  b := vp_lock_user (p.user_id, v_now);
  -- expires the period's PLAN grants, which end with it
  select
    * into p
  from
    usage_periods
  where
    id = p_period;
  if p.status = 'CLOSED' then
    return vp_period_close_json (p, b);
  end if;
  if p.period_end > v_now then
    perform
      vp_fail ('PERIOD_NOT_ENDED', jsonb_build_object('periodEnd', p.period_end));
  end if;
  select
    * into ms
  from
    memberships
  where
    id = p.membership_id;
  select
    * into pl
  from
    plans
  where
    code = p.plan_code;
  select
    coalesce(sum(expired_seconds), 0) into v_unused
  from
    credit_grants
  where
    period_id = p.id
    and source = 'PLAN';
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
      b := x.b;
      g := x.g;
      e := x.e;
      b := vp_save_balance (b, v_now);
    else
      v_rollover := 0;
    end if;
  end if;
  -- the highest limit in force while overage was used (usage records it); without overage, today's
  v_limit := coalesce(p.overage_limit_cents, ms.overage_limit_cents, pl.price_cents);
  v_cents := least (vp_overage_cents (p.overage_seconds, p.overage_cents_per_minute), v_limit);
  update
    usage_periods
  set
    status = 'CLOSED',
    closed_at = v_now,
    expired_seconds = v_unused,
    rollover_seconds = v_rollover,
    overage_limit_cents = v_limit,
    overage_cents = v_cents
  where
    id = p.id
  returning
    * into p;
  return vp_period_close_json (p, b);
end
$function$;
