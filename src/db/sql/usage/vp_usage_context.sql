create or replace function vp_usage_context (p_user uuid, p_key text, p_now timestamp with time zone)
  returns vp_usage_ctx
  language plpgsql
  as $function$
declare
  c vp_usage_ctx;
  m record;
begin
  select
    ms.id,
    ms.status,
    ms.current_period_start,
    ms.current_period_end,
    ms.overage_limit_cents,
    pl.code,
    pl.price_cents,
    pl.included_seconds,
    pl.overage_cents_per_minute,
    pl.usage_increment_seconds,
    up.id as period_id,
    up.status as period_status,
    up.overage_seconds,
    up.included_seconds as period_included,
    up.used_seconds as period_used,
    ir.operation,
    ir.request_fingerprint,
    ir.response,
    exists (
      select
        1
      from
        reservations r
      where
        r.user_id = u.user_id
        and r.status = 'ACTIVE'
        and r.expires_at <= p_now)
    or exists (
      select
        1
      from
        credit_grants g
      where
        g.user_id = u.user_id
        and g.remaining_seconds > 0
        and g.expires_at <= p_now) as due into m
  from (
    select
      p_user as user_id) u
  left join memberships ms on ms.user_id = u.user_id
  left join plans pl on pl.code = ms.plan_code
  left join usage_periods up on up.user_id = u.user_id
    and up.period_start = ms.current_period_start
  left join idempotency_records ir on ir.user_id = u.user_id
    and ir.key = p_key;
  c.idem_operation := m.operation;
  c.idem_fingerprint := m.request_fingerprint;
  c.idem_response := m.response;
  c.due := m.due;
  if m.id is null then
    c.increment_seconds := 1;
    c.overage_eligible := false;
    c.limit_cents := 0;
    c.overage_max_seconds := 0;
    c.overage_used_seconds := 0;
    return c;
  end if;
  c.increment_seconds := m.usage_increment_seconds;
  c.rate_cents_per_minute := m.overage_cents_per_minute;
  c.limit_cents := coalesce(m.overage_limit_cents, m.price_cents);
  -- a period already closed (invoiced) takes no more overage
  c.overage_eligible := m.status in ('ACTIVE')
    and m.current_period_start is not null
    and m.current_period_start <= p_now
    and p_now < m.current_period_end
    and coalesce(m.period_status, 'OPEN') = 'OPEN';
  c.period_id := case when coalesce(m.period_status, 'OPEN') = 'OPEN' then
    m.period_id
  end;
  c.overage_used_seconds := coalesce(m.overage_seconds, 0);
  c.period_included_seconds := coalesce(m.period_included, m.included_seconds);
  c.period_used_seconds := coalesce(m.period_used, 0);
  if c.overage_eligible and m.period_id is null then
    insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds, overage_cents_per_minute)
      values (p_user, m.id, m.code, m.current_period_start, m.current_period_end, m.included_seconds, m.overage_cents_per_minute)
    on conflict (user_id, period_start)
      do nothing
    returning
      id into c.period_id;
  end if;
  c.overage_max_seconds := case when c.overage_eligible then
    vp_overage_max_seconds (c.limit_cents, c.rate_cents_per_minute)
  else
    0
  end;
  return c;
end
$function$;
