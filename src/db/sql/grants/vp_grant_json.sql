create or replace function vp_grant_json (g credit_grants)
  returns jsonb
  language plpgsql
  immutable
  as $function$
begin
  return jsonb_build_object('id', g.id, 'source', g.source, 'grantedSeconds', g.granted_seconds,
    'remainingSeconds', g.remaining_seconds, 'expiresAt', g.expires_at, 'reference', g.reference, 'periodId',
    g.period_id, 'createdAt', g.created_at);
end
$function$;
