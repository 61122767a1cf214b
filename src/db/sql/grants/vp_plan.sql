-- The plan of a code; fails PLAN_NOT_FOUND for an unknown one (vp_grant_plan, vp_grant_upgrade).
create or replace function vp_plan (p_code text)
  returns plans
  language plpgsql
  as $function$
declare
  pl plans;
begin
  select
    * into pl
  from
    plans
  where
    code = p_code;
  if not found then
    perform
      vp_fail ('PLAN_NOT_FOUND');
  end if;
  return pl;
end
$function$;
