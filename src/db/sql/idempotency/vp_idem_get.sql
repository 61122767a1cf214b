create or replace function vp_idem_get (p_user uuid, p_key text, p_fingerprint text)
  returns jsonb
  language plpgsql
  as $function$
declare
  r idempotency_records;
begin
  select
    * into r
  from
    idempotency_records
  where
    user_id = p_user
    and key = p_key;
  if not found then
    return null;
  end if;
  return vp_idem_answer (r.operation, r.request_fingerprint, r.response, p_fingerprint);
end
$function$;
