create or replace function vp_record_usage_batch (p_items jsonb, p_backdate_max_seconds integer)
  returns jsonb
  language plpgsql
  as $function$
declare
  it record;
  v_out jsonb[] := '{}';
  v_detail text;
  v_state text;
  v_busy text;
  -- a user a lock was not free for: their later items leave the batch without trying
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
      if lower(it.item ->> 'userId') = v_busy then
        v_out[it.ord] := jsonb_build_object('busy', true);
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
        when lock_not_available then
          v_busy := lower(it.item ->> 'userId');
      v_out[it.ord] := jsonb_build_object('busy', true);
        when others then
          get stacked diagnostics v_state = returned_sqlstate,
          v_detail = pg_exception_detail;
      v_out[it.ord] := jsonb_build_object('error', sqlerrm, 'sqlstate', v_state, 'detail', nullif
	(v_detail, ''));
      end;
  end loop;
  return to_jsonb (v_out);
end
$function$;
