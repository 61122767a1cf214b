-- The seconds of a period's PLAN grants (an upgrade's too) that have expired: a closed period's expiredSeconds.
create or replace function vp_period_expired_seconds (p_period uuid)
  returns bigint
  language sql
  stable
  as $function$
  select
    coalesce(sum(expired_seconds), 0)
  from
    credit_grants
  where
    period_id = p_period
    and source = 'PLAN';
$function$;
