create or replace function vp_close_canceled_period (p_period uuid, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  p usage_periods;
  b credit_balances;
  ms memberships;
  pl plans;
  v_limit bigint;
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
    return vp_close_period (p_period, v_now);
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
    expired_seconds = 0,
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
