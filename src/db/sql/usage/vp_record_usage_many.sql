create or replace function vp_record_usage_many (p_items jsonb, p_backdate_max_seconds integer)
  returns jsonb
  language plpgsql
  as $function$
declare
  it record;
  v_out jsonb[] := '{}';
  v_detail text;
  v_state text;
  v_stuck text;
  -- a user whose row was not locked in time: their later items fail at once
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
      if lower(it.item ->> 'userId') = v_stuck then
        v_out[it.ord] := jsonb_build_object('error', 'lock timeout on an earlier call of this user in the batch', 'sqlstate', '55P03', 'detail', null);
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
        v_stuck := lower(it.item ->> 'userId');
        end if;
      v_out[it.ord] := jsonb_build_object('error', sqlerrm, 'sqlstate', v_state, 'detail', nullif
	(v_detail, ''));
      end;
  end loop;
  return to_jsonb (v_out);
end
$function$;
