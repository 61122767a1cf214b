import { Migration } from '@mikro-orm/migrations';

// Review fixes to vp_record_usage_many (group commit of recordUsage):
// - users are ordered by their id in lower case: ids arrive in any case (the API accepts upper-case
//   UUIDs) and the byte order of 'A' and 'a' differs, so two batches could lock the same two users
//   in opposite orders (a deadlock), and one user's items spelled differently lost their order;
// - each item without a clock of its own takes the time it runs (clock_timestamp()), not the
//   statement's start: an item that waited behind others must not land in a period that closed
//   meanwhile, and a user's entries keep growing times along their sequence;
// - a lock wait over the caller's lock_timeout (limits.usageLockWaitMsMax, set in the same
//   statement) fails that item with SQLSTATE 55P03 (SERVICE_UNAVAILABLE: retried by the client
//   with the same key), and that user's later items in the batch at once, instead of holding the
//   batch — and with it one of the process's few statements in flight, and the locks it already
//   holds on other users — for as long as a stuck transaction lives.
export class Migration20261124000080_usage_batches_review extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create or replace function vp_record_usage_many(p_items jsonb, p_backdate_max_seconds integer) returns jsonb language plpgsql as $$
declare
  it record;
  v_out jsonb[] := '{}';
  v_detail text;
  v_state text;
  v_stuck text;  -- a user whose row was not locked in time: their later items fail at once
begin
  for it in
    select x.ord::integer as ord, x.item from jsonb_array_elements(p_items) with ordinality as x(item, ord)
     order by lower(x.item ->> 'userId'), x.ord
  loop
    if lower(it.item ->> 'userId') = v_stuck then
      v_out[it.ord] := jsonb_build_object('error', 'lock timeout on an earlier call of this user in the batch', 'sqlstate', '55P03', 'detail', null);
      continue;
    end if;
    begin
      v_out[it.ord] := jsonb_build_object('ok', vp_record_usage((it.item ->> 'userId')::uuid, (it.item ->> 'seconds')::bigint,
        it.item ->> 'idempotencyKey', it.item ->> 'fingerprint', it.item ->> 'callId', (it.item ->> 'occurredAt')::timestamptz,
        it.item ->> 'description', coalesce((it.item ->> 'now')::timestamptz, clock_timestamp()), p_backdate_max_seconds));
    exception
      when sqlstate 'VPB01' then
        get stacked diagnostics v_detail = pg_exception_detail;
        v_out[it.ord] := jsonb_build_object('failure', sqlerrm, 'detail', nullif(v_detail, ''));
      when others then
        get stacked diagnostics v_state = returned_sqlstate, v_detail = pg_exception_detail;
        if v_state = '55P03' then
          v_stuck := lower(it.item ->> 'userId');
        end if;
        v_out[it.ord] := jsonb_build_object('error', sqlerrm, 'sqlstate', v_state, 'detail', nullif(v_detail, ''));
    end;
  end loop;
  return to_jsonb(v_out);
end $$;`);
  }

  override async down(): Promise<void> {
    // the definition of Migration20261124000060
    this.addSql(`
create or replace function vp_record_usage_many(p_items jsonb, p_backdate_max_seconds integer) returns jsonb language plpgsql as $$
declare
  it record;
  v_out jsonb[] := '{}';
  v_detail text;
  v_state text;
begin
  for it in
    select x.ord::integer as ord, x.item from jsonb_array_elements(p_items) with ordinality as x(item, ord)
     order by (x.item ->> 'userId'), x.ord
  loop
    begin
      v_out[it.ord] := jsonb_build_object('ok', vp_record_usage((it.item ->> 'userId')::uuid, (it.item ->> 'seconds')::bigint,
        it.item ->> 'idempotencyKey', it.item ->> 'fingerprint', it.item ->> 'callId', (it.item ->> 'occurredAt')::timestamptz,
        it.item ->> 'description', coalesce((it.item ->> 'now')::timestamptz, statement_timestamp()), p_backdate_max_seconds));
    exception
      when sqlstate 'VPB01' then
        get stacked diagnostics v_detail = pg_exception_detail;
        v_out[it.ord] := jsonb_build_object('failure', sqlerrm, 'detail', nullif(v_detail, ''));
      when others then
        get stacked diagnostics v_state = returned_sqlstate, v_detail = pg_exception_detail;
        v_out[it.ord] := jsonb_build_object('error', sqlerrm, 'sqlstate', v_state, 'detail', nullif(v_detail, ''));
    end;
  end loop;
  return to_jsonb(v_out);
end $$;`);
  }
}
