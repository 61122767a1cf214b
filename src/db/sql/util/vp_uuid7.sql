-- Time-ordered UUIDs (version 7 layout: 48 bits of Unix milliseconds, then random): new rows land
-- at the right edge of their primary-key B-tree instead of on a random page, which keeps index
-- writes and WAL (full-page images) small on the hot path.
create or replace function vp_uuid7 (p_at timestamp with time zone default clock_timestamp())
  returns uuid
  language plpgsql
  as $function$
begin
  return encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid ())
        placing substring(int8send(floor(extract(epoch from p_at) * 1000)::bigint)
          from 3)
        from 1 for 6), 52, 1), 53, 1), 'hex')::uuid;
end
$function$;
