-- The first calendar day (in p_tz) whose local midnight is at or after p_at: days d with
-- vp_first_local_day(from) <= d < vp_first_local_day(to) are the days that start inside [from, to).
CREATE OR REPLACE FUNCTION vp_first_local_day(p_at timestamp with time zone, p_tz text)
 RETURNS date
 LANGUAGE sql
 IMMUTABLE
AS $function$
  select case when not isfinite(p_at) then (p_at at time zone p_tz)::date
              else (p_at at time zone p_tz)::date + case when (p_at at time zone p_tz)::time > time '00:00' then 1 else 0 end end
$function$;
