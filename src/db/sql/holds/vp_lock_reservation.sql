-- Loads a reservation after locking its user; fails when it does not exist.
create or replace function vp_lock_reservation (p_reservation uuid, p_now timestamp with time zone, OUT b
  credit_balances, OUT r reservations)
  returns record
  language plpgsql
  as $function$
declare
  v_user uuid;
begin
  select
    user_id into v_user
  from
    reservations
  where
    id = p_reservation;
  if not found then
    perform
      vp_fail ('RESERVATION_NOT_FOUND');
  end if;
  b := vp_lock_user (v_user, p_now);
  select
    * into r
  from
    reservations
  where
    id = p_reservation;
end
$function$;
