-- The start of every keyed write: lock the user (settling what is due; vp_lock_user fails for an
-- unknown user), and answer a replayed key with its original answer.
create or replace function vp_begin (p_user uuid, p_key text, p_fingerprint text, p_now timestamp with time zone, OUT b
  credit_balances, OUT replay jsonb)
  returns record
  language plpgsql
  as $function$
begin
  b := vp_lock_user (p_user, p_now);
  if p_key is not null then
    replay := vp_idem_get (p_user, p_key, p_fingerprint);
  end if;
end
$function$;
