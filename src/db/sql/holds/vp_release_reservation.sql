-- Releases a hold: nothing is billed (vp_end_reservation with no used seconds).
create or replace function vp_release_reservation (p_reservation uuid, p_now timestamp with time zone)
  returns jsonb
  language sql
  as $function$
  select
    vp_end_reservation (p_reservation, null, null, p_now);
$function$;
