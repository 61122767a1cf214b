-- Rebuilds one user's rows from their usage records (up to the job's position), e.g. after the
-- user's time zone changed. Reads usage_records without a per-user index (none on the hot path):
-- a rare, deliberate operation.
create or replace function vp_rebuild_user_usage_rollup (p_user uuid)
  returns bigint
  language plpgsql
  as $function$
declare
  v_last uuid;
begin
  perform
    pg_advisory_xact_lock(7215550001);
  select
    last_id into v_last
  from
    usage_rollup_state
  where
    id = 1;
  delete from usage_daily
  where user_id = p_user;
  delete from usage_monthly
  where user_id = p_user;
  return vp_fold_usage (array (
      select
        id
      from usage_records
      where
        user_id = p_user
        and id <= v_last));
end
$function$;
