-- Loads a reservation after locking its user (vp_lock_owner); fails when it does not exist.
create or replace function vp_lock_reservation (p_reservation uuid, p_now timestamp with time zone, OUT b
  credit_balances, OUT r reservations)
  returns record
  language plpgsql
  as $function$
begin
  b := vp_lock_owner ((
    select
      user_id
    from reservations
    where
      id = p_reservation), p_now);
  if b.user_id is null then
    perform
      vp_fail ('RESERVATION_NOT_FOUND');
  end if;
  r := (
    select
      t
    from
      reservations t
    where
      t.id = p_reservation);
end
$function$;
