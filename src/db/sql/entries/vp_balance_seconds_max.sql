create or replace function vp_balance_seconds_max ()
  returns bigint
  language sql
  immutable
  as $function$
  select
    2147483647::bigint
$function$;
