-- A hold that can still be extended, committed or released: ACTIVE, else the code that says why.
create or replace function vp_require_active (r reservations)
  returns void
  language plpgsql
  as $function$
begin
  if r.status = 'EXPIRED' then
    perform
      vp_fail ('RESERVATION_EXPIRED');
  elsif r.status <> 'ACTIVE' then
    perform
      vp_fail ('RESERVATION_NOT_ACTIVE', jsonb_build_object('status', r.status));
  end if;
end
$function$;
