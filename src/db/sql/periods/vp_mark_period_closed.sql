-- Every period close ends here (vp_close_period): the period is CLOSED
-- with its expired and rolled-over seconds, and its overage is fixed in cents — round half up once,
-- capped by the highest limit in force while overage was used (usage records it), without overage
-- today's limit (the membership's, else the plan's price). Answers the close.
create or replace function vp_mark_period_closed (p usage_periods, ms memberships, pl plans, b credit_balances,
  p_expired bigint, p_rollover bigint, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_limit bigint := coalesce(p.overage_limit_cents, ms.overage_limit_cents, pl.price_cents);
begin
  update
    usage_periods
  set
    status = 'CLOSED',
    closed_at = p_now,
    expired_seconds = p_expired,
    rollover_seconds = p_rollover,
    overage_limit_cents = v_limit,
    overage_cents = least (vp_overage_cents (p.overage_seconds, p.overage_cents_per_minute), v_limit)
  where
    id = p.id
  returning
    * into p;
  return vp_period_close_json (p, b);
end
$function$;
