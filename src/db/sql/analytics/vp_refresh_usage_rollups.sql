-- Folds up to p_batch_max new usage records (by id, after last_id, before the safe horizon) into
-- the rollups (vp_fold_usage), in one transaction with the state row. Runners are serialized by an advisory lock.
-- Returns {consumed, more, lastId, horizonAt, at}; "more" means a full batch, call again; a horizon
-- before "at" means transactions were open at "at" (a pass after they finish moves it there).
create or replace function vp_refresh_usage_rollups (p_batch_max integer)
  returns jsonb
  language plpgsql
  as $function$
declare
  v_now timestamptz;
  v_active bigint[];
  v_horizon timestamptz;
  v_consumed bigint;
  v_last uuid;
  v_ids uuid[];
  s usage_rollup_state;
begin
  -- the argument below needs a fresh snapshot per statement
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'vp_refresh_usage_rollups must run in READ COMMITTED';
  end if;
  perform
    pg_advisory_xact_lock(7215550001);
  -- The moment first, then the transactions open in this database: one that gets its id after
  -- this look writes records with ids after v_now; one that has an id now must finish first.
  v_now := clock_timestamp();
  perform
    pg_stat_clear_snapshot();
  select
    coalesce(array_agg(a.backend_xid::text::bigint), '{}') into v_active
  from
    pg_stat_activity a
  where
    a.datname = current_database()
    and a.pid <> pg_backend_pid()
    and a.backend_xid is not null;
  select
    * into s
  from
    usage_rollup_state
  where
    id = 1;
  -- the advisory lock serializes passes
  if cardinality(v_active) = 0 then
    v_horizon := v_now;
    s.pending_at := null;
    s.pending_xids := null;
  elsif s.pending_at is not null
      and not (s.pending_xids && v_active) then
      -- everything open at pending_at has finished (and is visible to the statements below)
      v_horizon := s.pending_at;
    s.pending_at := v_now;
    s.pending_xids := v_active;
  else
    v_horizon := s.horizon_at;
    if s.pending_at is null then
      s.pending_at := v_now;
      s.pending_xids := v_active;
    end if;
  end if;
  v_horizon := greatest (v_horizon, s.horizon_at);

  select
    coalesce(array_agg(batch.id order by batch.id), '{}') into v_ids
  from (
    select
      r.id
    from
      usage_records r
    where
      r.id > s.last_id
      and r.id < vp_uuid7_floor (v_horizon)
    order by
      r.id
    limit p_batch_max) batch;
  v_consumed := cardinality(v_ids);
  v_last := v_ids[v_consumed];
  if v_consumed > 0 then
    perform
      vp_fold_usage (v_ids);
  end if;
  -- a pass that changes nothing writes nothing (queries run one before they read)
  update
    usage_rollup_state
  set
    last_id = coalesce(v_last, s.last_id),
    horizon_at = v_horizon,
    pending_at = s.pending_at,
    pending_xids = s.pending_xids,
    records_total = records_total + v_consumed,
    updated_at = clock_timestamp()
  where
    id = 1
    and (v_consumed > 0
      or pending_at is distinct from s.pending_at
      or pending_xids is distinct from s.pending_xids);
  return jsonb_build_object('consumed', v_consumed, 'more', v_consumed >= p_batch_max, 'lastId',
    coalesce(v_last, s.last_id), 'horizonAt', v_horizon, 'at', v_now);
end
$function$;
