-- Loads a row that belongs to a user (a reservation, a period: the table of p_type's type, e.g.
-- null::reservations) after locking its user (vp_lock_user: settling what is due), so the row is
-- read as the lock leaves it; fails when it does not exist (the table's own NOT_FOUND code).
create or replace function vp_lock_row (p_type anyelement, p_id uuid, p_now timestamp with time zone, OUT b
  credit_balances, OUT r anyelement)
  returns record
  language plpgsql
  as $function$
declare
  v_table text := pg_typeof(p_type)::text;
  v_user uuid;
begin
  execute format('select user_id from %s where id = $1', v_table) into v_user
  using p_id;
  if v_user is null then
    if v_table = 'usage_periods' then
      perform
        vp_fail ('PERIOD_NOT_FOUND');
    end if;
    perform
      vp_fail ('RESERVATION_NOT_FOUND');
  end if;
  b := vp_lock_user (v_user, p_now);
  execute format('select * from %s where id = $1', v_table) into r
  using p_id;
end
$function$;
