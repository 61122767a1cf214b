-- The user's live grants at p_now: seconds left and not expired (no expiry, or one after p_now).
-- Stable and plain SQL, so the planner inlines it into its callers' statements (vp_consume).
create or replace function vp_live_grants (p_user uuid, p_now timestamp with time zone)
  returns setof credit_grants
  language sql
  stable
  as $function$
  select
    *
  from
    credit_grants
  where
    user_id = p_user
    and remaining_seconds > 0
    and (expires_at is null
      or expires_at > p_now);
$function$;
