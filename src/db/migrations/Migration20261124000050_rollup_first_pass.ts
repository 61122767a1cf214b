import { Migration } from '@mikro-orm/migrations';

// The usage rollup starts with its horizon at -infinity. When its first pass met an open
// transaction (normal under load) it used that horizon as it was, and vp_uuid7_floor('-infinity')
// raised "cannot convert infinity to bigint": the pass rolled back, so under steady load the
// rollup never started and its job failed every interval. The floor of an infinite moment is now
// the smallest or largest id.
export class Migration20261124000050_rollup_first_pass extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create or replace function vp_uuid7_floor(p_at timestamptz) returns uuid language sql immutable as $$
  select case when p_at <= 'epoch'::timestamptz then '00000000-0000-0000-0000-000000000000'::uuid
              when p_at = 'infinity'::timestamptz then 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
              else (lpad(to_hex(floor(extract(epoch from p_at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid end
$$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`
create or replace function vp_uuid7_floor(p_at timestamptz) returns uuid language sql immutable as $$
  select (lpad(to_hex(floor(extract(epoch from p_at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid
$$;`);
  }
}
