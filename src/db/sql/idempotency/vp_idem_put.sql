-- Stores the answer to a keyed request; the ledger entry in it is stored by reference (the row is
-- immutable), which keeps the record, and the WAL written on the hot path, small.
create or replace function vp_idem_put (p_user uuid, p_key text, p_operation text, p_fingerprint text, p_response
  jsonb, p_now timestamp with time zone)
  returns void
  language plpgsql
  as $function$
begin
  insert into idempotency_records (user_id, key, operation, request_fingerprint, response, created_at)
    values (p_user, p_key, p_operation, p_fingerprint, case when jsonb_typeof(p_response -> 'transaction') = 'object' then
        (p_response - 'transaction') || jsonb_build_object('transactionRef', p_response -> 'transaction' -> 'id')
      else
        p_response
      end, p_now);
end
$function$;
