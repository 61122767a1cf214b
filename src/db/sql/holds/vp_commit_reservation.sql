-- Commits a hold: its used seconds are billed as usage (vp_end_reservation).
create or replace function vp_commit_reservation (p_reservation uuid, p_used_seconds bigint, p_description text, p_now
  timestamp with time zone)
  returns jsonb
  language sql
  as $function$
  select
    vp_end_reservation (p_reservation, p_used_seconds, p_description, p_now);
$function$;
