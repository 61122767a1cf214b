-- One fold of usage records into one rollup table: p_table's rows per user, local calendar p_unit
-- ('day' or 'month', in the user's time zone, kept in the date column p_period) and plan of the period
-- the usage counted in ('NONE' without a membership), added to the row already there. The overage
-- cost is summed exactly (in 1/60 cent). Answers how many rows it wrote. vp_fold_usage folds into
-- usage_daily and usage_monthly with it.
create or replace function vp_fold_into (p_records uuid[], p_table text, p_period text, p_unit text)
  returns bigint
  language plpgsql
  as $function$
declare
  v_measures text[] := array['calls', 'used_seconds', 'billed_seconds', 'credit_seconds', 'overage_seconds',
    'over_cap_seconds', 'uncovered_seconds', 'overage_cost_sixtieth_cents'];
  v_rows bigint;
begin
  execute format('insert into %1$I as t (user_id, %2$I, plan_code, %4$s) '
    'select r.user_id, date_trunc(%3$L, r.occurred_at at time zone coalesce(u.time_zone, ''Europe/Berlin''))::date, '
    'coalesce(up.plan_code, ms.plan_code, ''NONE''), count(*), sum(r.used_seconds), sum(r.billed_seconds), '
    'sum(r.credit_seconds), sum(r.overage_seconds), sum(r.over_cap_seconds), sum(r.uncovered_seconds), '
    'sum((r.overage_seconds - r.over_cap_seconds) * coalesce(up.overage_cents_per_minute, 0)) '
    'from usage_records r left join users u on u.id = r.user_id '
    'left join usage_periods up on up.id = r.period_id left join memberships ms on ms.user_id = r.user_id '
    'where r.id = any ($1) group by 1, 2, 3 '
    'on conflict (user_id, %2$I, plan_code) do update set %5$s', p_table, p_period, p_unit, array_to_string(v_measures, ', '), (
      select
        string_agg(format('%1$I = t.%1$I + excluded.%1$I', m), ', ')
      from unnest(v_measures) m))
  using p_records;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$function$;
