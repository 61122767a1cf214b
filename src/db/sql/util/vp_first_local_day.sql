-- The first calendar day (in p_tz) whose local midnight is at or after p_at: days d with
-- vp_first_local_day(from) <= d < vp_first_local_day(to) are the days that start inside [from, to).
create or replace function vp_first_local_day (p_at timestamp with time zone, p_tz text)
  returns date
  language sql
  immutable
  as $function$
  select
    case when not isfinite(p_at) then
      (p_at at time zone p_tz)::date
    else
      (p_at at time zone p_tz)::date + case when (p_at at time zone p_tz)::time > time '00:00' then
        1
      else
        0
    end
    end
$function$;
