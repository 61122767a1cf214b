-- Inserts the entry that follows a head (sequence, hash, balance) and returns it; the caller moves
-- the head forward. Used by every write, so it is the only place an entry is built.
create or replace function vp_insert_entry (p_user uuid, p_prev_sequence bigint, p_prev_hash text, p_prev_balance
  bigint, p_type text, p_amount bigint, p_description text, p_metadata jsonb, p_reference text, p_key text, p_now
  timestamp with time zone)
  returns ledger_entries
  language plpgsql
  as $function$
declare
  v_id uuid := vp_uuid7 ();
  v_created timestamptz := date_trunc('milliseconds', p_now);
  e ledger_entries;
begin
  insert into ledger_entries (id, user_id, sequence,
    type,
    amount_seconds,
    balance_after_seconds,
    description,
    metadata,
    reference,
    idempotency_key,
    created_at,
    hash)
values (v_id,
  p_user,
  p_prev_sequence + 1,
  p_type,
  p_amount,
  p_prev_balance + p_amount,
  p_description,
  p_metadata,
  p_reference,
  p_key,
  v_created,
  vp_entry_hash (p_prev_hash, v_id, p_user, p_prev_sequence + 1, p_type, p_amount, p_prev_balance + p_amount,
    p_description, p_metadata, p_reference, p_key, v_created))
returning
  * into e;
  return e;
end
$function$;
