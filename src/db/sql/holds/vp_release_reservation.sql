create or replace function vp_release_reservation (p_reservation uuid, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  r reservations;
begin
  x := vp_lock_reservation (p_reservation, v_now);
  b := x.b;
  r := x.r;
  if r.status = 'RELEASED' then
    return jsonb_build_object('reservation', vp_reservation_json (r), 'balance', vp_balance_json (b));
  end if;
  perform
    vp_require_active (r);
  update
    reservations
  set
    status = 'RELEASED',
    finished_at = v_now,
    updated_at = v_now
  where
    id = r.id
  returning
    * into r;
  b.reserved_seconds := b.reserved_seconds - r.reserved_seconds;
  b := vp_save_balance (b, v_now);
  return jsonb_build_object('reservation', vp_reservation_json (r), 'balance', vp_balance_json (b));
end
$function$;
