create or replace function vp_end_canceled_period (p_period uuid, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  p usage_periods;
  b credit_balances;
  e ledger_entries;
  ms memberships;
  pl plans;
  v_limit bigint;
  v_expired bigint;
  v_detail jsonb;
  v_unused bigint;
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
  select
    * into p
  from
    usage_periods
  where
    id = p_period;
  if p.status = 'CLOSED' or p.period_end <= v_now then
    return vp_close_canceled_period (p_period, v_now);
  end if;
  select
    * into ms
  from
    memberships
  where
    id = p.membership_id;
  if ms.status <> 'CANCELED' then
    perform
      vp_fail ('PERIOD_NOT_ENDED', jsonb_build_object('periodEnd', p.period_end));
  end if;
  -- the period's included seconds (its PLAN grants, an upgrade's too) end with it, now
  select
    coalesce(sum(remaining_seconds), 0),
    jsonb_agg(jsonb_build_object('grantId', id, 'seconds', remaining_seconds)
    order by expires_at, id) into v_expired,
    v_detail
  from
    credit_grants
  where
    user_id = p.user_id
    and period_id = p.id
    and source = 'PLAN'
    and remaining_seconds > 0;
  if v_expired > 0 then
    x := vp_append (b, 'EXPIRY', - v_expired, 'Included minutes expired: membership ended', jsonb_build_object('grants', v_detail,
      'periodId', p.id), null, null, v_now);
    b := x.b;
    e := x.e;
    update
      credit_grants
    set
      expired_seconds = remaining_seconds,
      remaining_seconds = 0,
      expired_at = v_now
    where
      user_id = p.user_id
      and period_id = p.id
      and source = 'PLAN'
      and remaining_seconds > 0;
    b := vp_save_balance (b, v_now);
  end if;
  select
    coalesce(sum(expired_seconds), 0) into v_unused
  from
    credit_grants
  where
    period_id = p.id
    and source = 'PLAN';
  select
    * into pl
  from
    plans
  where
    code = p.plan_code;
  v_limit := coalesce(p.overage_limit_cents, ms.overage_limit_cents, pl.price_cents);
  update
    usage_periods
  set
    status = 'CLOSED',
    closed_at = v_now,
    expired_seconds = v_unused,
    rollover_seconds = 0,
    overage_limit_cents = v_limit,
    overage_cents = least (vp_overage_cents (p.overage_seconds, p.overage_cents_per_minute), v_limit)
  where
    id = p.id
  returning
    * into p;
  return vp_period_close_json (p, b);
end
$function$;
