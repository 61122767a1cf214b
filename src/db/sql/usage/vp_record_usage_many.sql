-- Records many finished calls in one statement (group commit of recordUsage), each item in its own
-- subtransaction so a failure rolls back that item only; answers each item's outcome in item order:
-- {ok}, {failure, detail} (a business failure), {busy}, or {error, sqlstate, detail}.
-- - Users go in the order of their id in lower case (ids arrive in any case; the byte order of 'A'
--   and 'a' differs), so two statements lock the same users in the same order, and one user's
--   items keep their order.
-- - An item without a clock of its own takes the time it runs (clock_timestamp()), not the
--   statement's start: an item that waited behind others must not land in a period that closed
--   meanwhile.
-- - A user whose row is not locked within the caller's lock_timeout (SQLSTATE 55P03, set in the
--   same statement): p_locked_busy (a batch that waits for no lock) answers {busy} for that item
--   and the user's later items (they go again alone); otherwise the item fails with 55P03
--   (SERVICE_UNAVAILABLE: retried by the client with the same key), and the user's later items
--   at once, without a second wait.
create or replace function vp_record_usage_many (p_items jsonb, p_backdate_max_seconds integer, p_locked_busy boolean default false)
  returns jsonb
  language plpgsql
  as $function$
declare
  it record;
  v_out jsonb[] := '{}';
  v_detail text;
  v_state text;
  v_locked text;
  -- a user whose row was not locked in time: their later items do not try
begin
  for it in
  select
    x.ord::integer as ord,
    x.item
  from
    jsonb_array_elements(p_items)
  with ordinality as x (item, ord)
order by
  lower(x.item ->> 'userId'), x.ord loop
      if lower(it.item ->> 'userId') = v_locked then
        v_out[it.ord] := case when p_locked_busy then
          jsonb_build_object('busy', true)
        else
          jsonb_build_object('error', 'lock timeout on an earlier call of this user in the batch', 'sqlstate', '55P03', 'detail', null)
        end;
        continue;
      end if;
      begin
	v_out[it.ord] := jsonb_build_object('ok', vp_record_usage ((it.item ->> 'userId')::uuid,
	  (it.item ->> 'seconds')::bigint, it.item ->> 'idempotencyKey', it.item ->> 'fingerprint', it.item ->>
	  'callId', (it.item ->> 'occurredAt')::timestamptz, it.item ->> 'description', coalesce((it.item
	  ->> 'now')::timestamptz, clock_timestamp()), p_backdate_max_seconds));
      exception
        when sqlstate 'VPB01' then
          get stacked diagnostics v_detail = pg_exception_detail;
      v_out[it.ord] := jsonb_build_object('failure', sqlerrm, 'detail', nullif (v_detail, ''));
        when others then
          get stacked diagnostics v_state = returned_sqlstate,
          v_detail = pg_exception_detail;
      if v_state = '55P03' then
        v_locked := lower(it.item ->> 'userId');
        end if;
      v_out[it.ord] := case when v_state = '55P03'
        and p_locked_busy then
        jsonb_build_object('busy', true)
      else
        jsonb_build_object('error', sqlerrm, 'sqlstate', v_state, 'detail', nullif (v_detail, ''))
      end;
      end;
  end loop;
  return to_jsonb (v_out);
end
$function$;
