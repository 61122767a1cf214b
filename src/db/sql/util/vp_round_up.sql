CREATE OR REPLACE FUNCTION vp_round_up(p_seconds bigint, p_increment bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 IMMUTABLE
AS $function$
begin
  return ((p_seconds + p_increment - 1) / p_increment) * p_increment;
end $function$;
