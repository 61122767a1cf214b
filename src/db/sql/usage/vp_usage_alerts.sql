-- The alerts a usage crosses (billing rules §9): 50 / 80 / 100 % of the included seconds used,
-- overage started, 80 / 100 % of the overage allowance, balance below 10 % of the included seconds.
-- Each kind once per period: the unique key decides, also between processes. Returns the new ones.
create or replace function vp_usage_alerts (p_user uuid, c vp_usage_ctx, p_billed bigint, p_overage bigint,
  p_balance_before bigint, p_balance_after bigint, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_inc bigint := c.period_included_seconds;
  v_used_before bigint := c.period_used_seconds;
  v_used_after bigint := c.period_used_seconds + p_billed;
  v_over_before bigint := c.overage_used_seconds;
  v_over_after bigint := c.overage_used_seconds + p_overage;
  v_max bigint := c.overage_max_seconds;
  v_kinds text[] := '{}';
  v_out jsonb;
begin
  if v_inc > 0 then
    if v_used_before * 100 < v_inc * 50 and v_used_after * 100 >= v_inc * 50 then
      v_kinds := v_kinds || 'INCLUDED_50'::text;
    end if;
    if v_used_before * 100 < v_inc * 80 and v_used_after * 100 >= v_inc * 80 then
      v_kinds := v_kinds || 'INCLUDED_80'::text;
    end if;
    if v_used_before < v_inc and v_used_after >= v_inc then
      v_kinds := v_kinds || 'INCLUDED_100'::text;
    end if;
    if p_balance_before * 10 >= v_inc and p_balance_after * 10 < v_inc then
      v_kinds := v_kinds || 'LOW_BALANCE'::text;
    end if;
  end if;
  if v_over_before = 0 and v_over_after > 0 then
    v_kinds := v_kinds || 'OVERAGE_STARTED'::text;
  end if;
  if v_max > 0 then
    if v_over_before * 100 < v_max * 80 and v_over_after * 100 >= v_max * 80 then
      v_kinds := v_kinds || 'OVERAGE_LIMIT_80'::text;
    end if;
    if v_over_before < v_max and v_over_after >= v_max then
      v_kinds := v_kinds || 'OVERAGE_LIMIT_100'::text;
    end if;
  end if;
  if cardinality(v_kinds) = 0 then
    return '[]'::jsonb;
  end if;
  with ins as (
insert into usage_alerts (user_id, period_id, kind, used_seconds, included_seconds, overage_seconds, balance_seconds, created_at)
    select
      p_user,
      c.period_id,
      k,
      v_used_after,
      v_inc,
      v_over_after,
      p_balance_after,
      p_now
    from
      unnest(v_kinds) k
    on conflict (user_id,
      period_id,
      kind)
      do nothing
    returning
      *
)
  select
    coalesce(jsonb_agg(jsonb_build_object('id', id, 'userId', user_id, 'periodId', period_id,
      'kind', kind, 'usedSeconds', used_seconds, 'includedSeconds', included_seconds, 'overageSeconds',
      overage_seconds, 'balanceSeconds', balance_seconds, 'createdAt', created_at)
      order by kind), '[]'::jsonb) into v_out
from
  ins;
  return v_out;
end
$function$;
