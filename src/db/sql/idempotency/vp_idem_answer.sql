-- The stored answer to a replayed key, or a failure when the key came with other parameters.
create or replace function vp_idem_answer (p_operation text, p_stored_fingerprint text, p_response jsonb, p_fingerprint text)
  returns jsonb
  language plpgsql
  as $function$
begin
  if p_stored_fingerprint <> p_fingerprint then
    perform
      vp_fail ('IDEMPOTENCY_KEY_REUSED', jsonb_build_object('operation', p_operation));
  end if;
  if p_response ? 'transactionRef' then
    -- ledger rows never change, so the answer rebuilt from the row is the original answer
    return (p_response - 'transactionRef') || jsonb_build_object('transaction', (
        select
          vp_entry_json (e)
        from ledger_entries e
        where
          e.id = (p_response ->> 'transactionRef')::uuid));
  end if;
  return p_response;
end
$function$;
