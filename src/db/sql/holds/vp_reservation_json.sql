create or replace function vp_reservation_json (r reservations)
  returns jsonb
  language plpgsql
  immutable
  as $function$
begin
  return jsonb_build_object('id', r.id, 'userId', r.user_id, 'status', r.status, 'reservedSeconds',
    r.reserved_seconds, 'allowedSeconds', r.allowed_seconds, 'expiresAt', r.expires_at, 'createdAt', r.created_at,
    'usedSeconds', r.used_seconds, 'billedSeconds', r.billed_seconds);
end
$function$;
