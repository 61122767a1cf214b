import { Migration } from '@mikro-orm/migrations';

// Group commit for recordUsage: calls that arrive while earlier ones are on their way to the
// database go together in one statement and one transaction (src/domain/ledger/usage-batcher.ts).
// Each item runs vp_record_usage unchanged, inside its own subtransaction: a business failure
// (VPB01) or any other error of one item rolls back that item only and becomes its answer; the
// others commit together. Items are taken in user-id order (ties in arrival order), so two batches
// lock their users in the same order and cannot deadlock each other, and one user's items keep
// their order.
export class Migration20261124000060_usage_batches extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function vp_record_usage_many(p_items jsonb, p_backdate_max_seconds integer) returns jsonb language plpgsql as $$
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

  override async down(): Promise<void> {
    this.addSql('drop function if exists vp_record_usage_many(jsonb, integer);');
  }
}
