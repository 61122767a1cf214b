-- Folds the given usage records into the rollups (vp_fold_into): usage_daily per user, calendar day
-- in the user's time zone and plan of the period the usage counted in ('NONE' without a membership),
-- and usage_monthly the same per local calendar month. The overage cost is summed exactly (in 1/60
-- cent) and rounded once when read. Answers how many day rows it wrote. Callers serialize on the
-- rollup's advisory lock (vp_refresh_usage_rollups, vp_rebuild_user_usage_rollup).
create or replace function vp_fold_usage (p_records uuid[])
  returns bigint
  language plpgsql
  as $function$
begin
  perform
    vp_fold_into (p_records, 'usage_monthly', 'month', 'month');
  return vp_fold_into (p_records, 'usage_daily', 'day', 'day');
end
$function$;
