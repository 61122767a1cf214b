CREATE OR REPLACE FUNCTION vp_balance_seconds_max()
 RETURNS bigint
 LANGUAGE sql
 IMMUTABLE
AS $function$ select 2147483647::bigint $function$;
