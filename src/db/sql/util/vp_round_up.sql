create or replace function vp_round_up (p_seconds bigint, p_increment bigint)
  returns bigint
  language plpgsql
  immutable
  as $function$
begin
  return ((p_seconds + p_increment - 1) / p_increment) * p_increment;
end
$function$;
