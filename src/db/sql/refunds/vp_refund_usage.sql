create or replace function vp_refund_usage (p_entry uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint
  text, p_fallback_days integer, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  u ledger_entries;
  b credit_balances;
  e ledger_entries;
  a record;
  v_left bigint := p_seconds;
  v_take bigint;
  v_refundable bigint;
  v_fallback timestamptz;
  v_plan jsonb := '[]'::jsonb;
  v_result jsonb;
begin
  select
    * into u
  from
    ledger_entries
  where
    id = p_entry;
  if not found then
    perform
      vp_fail ('TRANSACTION_NOT_FOUND');
  end if;
  b := vp_lock_user (u.user_id, v_now);
  v_result := vp_idem_get (u.user_id, p_key, p_fingerprint);
  if v_result is not null then
    return v_result;
  end if;
  if u.type <> 'USAGE' then
    perform
      vp_fail ('NOT_REFUNDABLE', jsonb_build_object('type', u.type));
  end if;
  select
    case when ms.current_period_end > v_now then
      ms.current_period_end
    end into v_fallback
  from
    memberships ms
  where
    ms.user_id = u.user_id
    and ms.status <> 'CANCELED';
  v_fallback := coalesce(v_fallback, v_now + make_interval(days => p_fallback_days));
  v_refundable := 0;
  for a in with used as (
    select
      (l ->> 'grantId')::uuid as grant_id,
      (l ->> 'seconds')::bigint as seconds,
      ord
    from
      jsonb_array_elements(u.metadata -> 'grants')
      with ordinality as t (l, ord)
),
refunded as (
select
  (l ->> 'grantId')::uuid as grant_id,
  sum((l ->> 'seconds')::bigint) as seconds
from
  ledger_entries r,
  jsonb_array_elements(r.metadata -> 'refunded') l
  where
    r.type = 'REFUND'
    and r.reference = p_entry::text
    and r.user_id = u.user_id
  group by
    1
)
select
  used.grant_id,
  used.seconds - coalesce(refunded.seconds, 0) as open_seconds,
  g.expires_at
from
  used
  left join refunded using (grant_id)
  join credit_grants g on g.id = used.grant_id
where
  used.seconds > coalesce(refunded.seconds, 0)
order by
  used.ord desc loop
    v_refundable := v_refundable + a.open_seconds;
    if v_left > 0 then
      v_take := least (v_left, a.open_seconds);
      v_plan := v_plan || jsonb_build_object('grantId', a.grant_id, 'seconds', v_take, 'refundGrantId',
	gen_random_uuid (), 'expiresAt', case when a.expires_at is null then
        null
      when a.expires_at > v_now then
        a.expires_at
      else
        v_fallback
      end);
      v_left := v_left - v_take;
    end if;
  end loop;
  if v_left > 0 then
    perform
      vp_fail ('REFUND_EXCEEDS_USAGE', jsonb_build_object('refundableSeconds', v_refundable));
  end if;
  x := vp_append (b, 'REFUND', p_seconds, p_reason, jsonb_build_object('refundOf', p_entry, 'refunded', (
        select
          coalesce(jsonb_agg(jsonb_build_object('grantId', r -> 'grantId', 'seconds', r -> 'seconds')
          order by ord), '[]'::jsonb)
        from jsonb_array_elements(v_plan)
        with ordinality as t (r, ord)), 'grants', (
        select
          coalesce(jsonb_agg(jsonb_build_object('grantId', r -> 'refundGrantId', 'seconds', r -> 'seconds')
            order by ord), '[]'::jsonb)
        from jsonb_array_elements(v_plan)
        with ordinality as t (r, ord))), p_entry::text, p_key, v_now);
  b := x.b;
  e := x.e;
insert into credit_grants (id, user_id, source, granted_seconds, remaining_seconds, expires_at, reference,
  idempotency_key, entry_id, refund_of_entry_id, created_at)
select
  (r ->> 'refundGrantId')::uuid,
  u.user_id,
  'REFUND',
  (r ->> 'seconds')::bigint,
  (r ->> 'seconds')::bigint,
  (r ->> 'expiresAt')::timestamptz,
  p_entry::text,
  '~refund:' || p_key || '#' || ord,
  e.id,
  p_entry,
  e.created_at
from
  jsonb_array_elements(v_plan)
  with ordinality as t (r, ord);
  return vp_keyed_answer (vp_save_balance (b, v_now), p_key, 'refundUsage', p_fingerprint,
    jsonb_build_object('transaction', vp_entry_json (e), 'grants', (
        select
          jsonb_agg(jsonb_build_object('seconds', r -> 'seconds', 'expiresAt', r -> 'expiresAt')
        order by ord)
        from jsonb_array_elements(v_plan)
        with ordinality as t (r, ord))), v_now);
end
$function$;
