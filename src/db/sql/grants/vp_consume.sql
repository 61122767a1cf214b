-- Debits p_seconds from the user's live grants (vp_grants_left) in consumption order (earliest expiry first,
-- no expiry last, then oldest) and returns the lineage [{grantId, seconds}, …] in that order. The
-- caller puts it into the entry's metadata, where the hash chain covers it.
create or replace function vp_consume (p_user uuid, p_seconds bigint, p_now timestamp with time zone)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_lineage jsonb;
  v_taken bigint;
begin
  -- Fast path: the first grant in consumption order covers it all (the usual case).
  with first as (
    select
      id
    from
      vp_grants_left (p_user, p_now, true)
    order by
      expires_at asc nulls last,
      created_at,
      id
    limit 1)
update
  credit_grants g
set
  remaining_seconds = g.remaining_seconds - p_seconds
from
  first
where
  g.id = first.id
    and g.remaining_seconds >= p_seconds
  returning
    jsonb_build_array(jsonb_build_object('grantId', g.id, 'seconds', p_seconds)) into v_lineage;
  if v_lineage is not null then
    return v_lineage;
  end if;
  with ordered as (
    select
      id,
      remaining_seconds,
      expires_at,
      created_at,
      sum(remaining_seconds) over (order by expires_at asc nulls last,
        created_at,
        id) as cum
    from
      vp_grants_left (p_user, p_now, true)
),
take as (
  select
    id,
    least (remaining_seconds, p_seconds - (cum - remaining_seconds)) as seconds,
    cum
  from
    ordered
  where
    cum - remaining_seconds < p_seconds
),
upd as (
  update
    credit_grants g
  set
    remaining_seconds = g.remaining_seconds - t.seconds
  from
    take t
  where
    g.id = t.id
  returning
    g.id,
    t.seconds,
    t.cum
)
select
  coalesce(sum(seconds), 0),
  jsonb_agg(jsonb_build_object('grantId', id, 'seconds', seconds)
  order by cum) into v_taken,
  v_lineage
from
  upd;
  if v_taken <> p_seconds then
    raise exception 'vp_consume: took % of % seconds for user %', v_taken, p_seconds, p_user;
  end if;
  return v_lineage;
end
$function$;
