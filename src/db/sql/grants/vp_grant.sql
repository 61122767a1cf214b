create or replace function vp_grant (p_user uuid, p_source text, p_seconds bigint, p_expires_at timestamp with time
  zone, p_reference text, p_key text, p_fingerprint text, p_description text, p_metadata jsonb, p_period uuid, p_now
  timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
begin
  x := vp_begin (p_user, p_key, p_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  if p_expires_at is not null and p_expires_at <= v_now then
    perform
      vp_fail ('INVALID_EXPIRY');
  end if;
  x := vp_insert_grant (x.b, p_source, p_seconds, p_expires_at, p_reference, p_key, p_description, p_metadata, p_period, null, v_now);
  return vp_keyed_answer (vp_save_balance (x.b, v_now), p_key, 'grant:' || p_source, p_fingerprint,
    jsonb_build_object('grant', vp_grant_json (x.g), 'transaction', vp_entry_json (x.e)), v_now);
end
$function$;
