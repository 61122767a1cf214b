-- Writes off what is left of the given grants: one EXPIRY entry with their lineage
-- ({grants: [{grantId, seconds}, …]} in expiry order, plus p_metadata), and the grants keep what
-- expired; e is the entry, null when nothing was left. The caller holds the user's lock and saves
-- the balance.
create or replace function vp_expire_grants (inout b credit_balances, p_grants uuid[], p_description text, p_metadata
  jsonb, p_now timestamp with time zone, OUT e ledger_entries)
  returns record
  language plpgsql
  as $function$
declare
  x record;
  v_expired bigint;
  v_detail jsonb;
begin
  select
    coalesce(sum(remaining_seconds), 0),
    jsonb_agg(jsonb_build_object('grantId', id, 'seconds', remaining_seconds)
    order by expires_at, id) into v_expired,
    v_detail
  from
    credit_grants
  where
    id = any (p_grants)
    and remaining_seconds > 0;
  if v_expired > 0 then
    x := vp_append (b, 'EXPIRY', - v_expired, p_description, jsonb_build_object('grants', v_detail) ||
      coalesce(p_metadata, '{}'), null, null, p_now);
    b := x.b;
    e := x.e;
    update
      credit_grants
    set
      expired_seconds = remaining_seconds,
      remaining_seconds = 0,
      expired_at = p_now
    where
      id = any (p_grants)
      and remaining_seconds > 0;
  end if;
end
$function$;
