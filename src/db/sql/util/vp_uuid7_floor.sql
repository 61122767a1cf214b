create or replace function vp_uuid7_floor (p_at timestamp with time zone)
  returns uuid
  language sql
  immutable
  as $function$
  select
    case when p_at <= 'epoch'::timestamptz then
      '00000000-0000-0000-0000-000000000000'::uuid
    when p_at = 'infinity'::timestamptz then
      'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
    else
      (lpad(to_hex(floor(extract(epoch from p_at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid
    end
$function$;
