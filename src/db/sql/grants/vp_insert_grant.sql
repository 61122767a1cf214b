-- Creates one grant and its ledger entry. Used by every credit source.
create or replace function vp_insert_grant (inout b credit_balances, p_source text, p_seconds bigint, p_expires_at
  timestamp with time zone, p_reference text, p_key text, p_description text, p_metadata jsonb, p_period uuid,
  p_refund_of uuid, p_now timestamp with time zone, OUT g credit_grants, OUT e ledger_entries)
  returns record
  language plpgsql
  as $function$
declare
  x record;
begin
  x := vp_append (b, case p_source
    when 'PLAN' then
      'PLAN_GRANT'
    when 'ADJUSTMENT' then
      'ADJUSTMENT'
    else
      p_source
    end, p_seconds, p_description, p_metadata, p_reference, p_key, p_now);
  b := x.b;
  e := x.e;
  insert into credit_grants (user_id, source, granted_seconds, remaining_seconds, expires_at, reference,
    idempotency_key, period_id, entry_id, refund_of_entry_id, created_at)
    values (b.user_id, p_source, p_seconds, p_seconds, p_expires_at, p_reference, p_key, p_period, e.id, p_refund_of, e.created_at)
  returning
    * into g;
end
$function$;
