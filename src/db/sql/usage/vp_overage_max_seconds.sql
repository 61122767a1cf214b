-- Largest overage S (seconds) whose cost round_half_up(S * rate / 60) stays within the limit:
-- S * rate / 60 < limit + 1/2  <=>  S < (2 * limit + 1) * 30 / rate. A limit of 0 disables overage.
create or replace function vp_overage_max_seconds (p_limit_cents bigint, p_rate bigint)
  returns bigint
  language plpgsql
  immutable
  as $function$
begin
  return case when p_limit_cents <= 0 then
    0::bigint
  else
    ((2 * p_limit_cents + 1) * 30 + p_rate - 1) / p_rate - 1
  end;
end
$function$;
