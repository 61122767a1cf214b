-- The answer of every period close (vp_close_period), first or replayed: the period's closing
-- figures and the user's balance.
create or replace function vp_period_close_json (p usage_periods, b credit_balances)
  returns jsonb
  language plpgsql
  immutable
  as $function$
begin
  return jsonb_build_object('periodId', p.id, 'userId', p.user_id, 'expiredSeconds', p.expired_seconds,
    'rolloverSeconds', p.rollover_seconds, 'overageSeconds', p.overage_seconds, 'overageCents', p.overage_cents,
    'overCapSeconds', p.over_cap_seconds, 'periodStart', p.period_start, 'periodEnd', p.period_end, 'balance',
    vp_balance_json (b));
end
$function$;
