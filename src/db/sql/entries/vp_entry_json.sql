create or replace function vp_entry_json (e ledger_entries)
  returns jsonb
  language plpgsql
  immutable
  as $function$
begin
  return jsonb_build_object('id', e.id, 'userId', e.user_id, 'sequence', e.sequence,
    'type', e.type, 'amountSeconds', e.amount_seconds, 'balanceAfterSeconds', e.balance_after_seconds, 'description',
    e.description, 'metadata', e.metadata, 'reference', e.reference, 'idempotencyKey', e.idempotency_key,
    'createdAt', e.created_at, 'hash', e.hash);
end
$function$;
