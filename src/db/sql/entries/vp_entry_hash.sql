create or replace function vp_entry_hash (p_prev text, p_id uuid, p_user uuid, p_seq bigint, p_type text, p_amount
  bigint, p_balance_after bigint, p_description text, p_metadata jsonb, p_reference text, p_key text, p_created_at
  timestamp with time zone)
  returns text
  language plpgsql
  immutable
  as $function$
declare
  v_meta text := p_metadata::text;
  v_ms text := ((extract(epoch from p_created_at) * 1000)::bigint)::text;
begin
  -- vp_field inlined: this runs once per ledger entry on the hot path
  return encode(sha256 (convert_to(p_prev || '36:' || p_id::text || '36:' || p_user::text ||
    octet_length(p_seq::text) || ':' || p_seq::text || octet_length(p_type) || ':' || p_type ||
    octet_length(p_amount::text) || ':' || p_amount::text || octet_length(p_balance_after::text) ||
    ':' || p_balance_after::text || case when p_description is null then
          '~'
        else
          octet_length(p_description) || ':' || p_description
        end || case when v_meta is null then
          '~'
        else
          octet_length(v_meta) || ':' || v_meta
        end || case when p_reference is null then
          '~'
        else
          octet_length(p_reference) || ':' || p_reference
        end || case when p_key is null then
          '~'
        else
          octet_length(p_key) || ':' || p_key
        end || octet_length(v_ms) || ':' || v_ms, 'UTF8')), 'hex');
end
$function$;
