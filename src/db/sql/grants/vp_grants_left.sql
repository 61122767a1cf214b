-- The user's grants with seconds left at p_now: live ones (p_live: no expiry, or one after p_now),
-- or those past their expiry (not p_live), which are due to be written off. Stable and plain SQL,
-- so the planner inlines it, the constant p_live folded, into its callers' statements (vp_consume,
-- vp_due, vp_settle).
create or replace function vp_grants_left (p_user uuid, p_now timestamp with time zone, p_live boolean)
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
      or expires_at > p_now) = p_live;
$function$;
