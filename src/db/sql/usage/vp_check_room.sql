-- Fails with the right code when p_seconds more cannot be covered by available seconds plus the
-- overage allowance left.
create or replace function vp_check_room (b credit_balances, c vp_usage_ctx, p_seconds bigint)
  returns bigint
  language plpgsql
  as $function$
declare
  v_room bigint := b.balance_seconds - b.reserved_seconds + greatest (c.overage_max_seconds - c.overage_used_seconds, 0);
begin
  if p_seconds > v_room then
    if c.overage_eligible and c.overage_max_seconds > 0 and p_seconds > b.balance_seconds - b.reserved_seconds then
      perform
        vp_fail ('OVERAGE_LIMIT_REACHED', jsonb_build_object('roomSeconds', greatest (v_room, 0)));
    end if;
    perform
      vp_fail ('INSUFFICIENT_CREDITS', jsonb_build_object('roomSeconds', greatest (v_room, 0)));
  end if;
  return v_room;
end
$function$;
