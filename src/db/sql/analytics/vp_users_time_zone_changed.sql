create or replace function vp_users_time_zone_changed ()
  returns trigger
  language plpgsql
  as $function$
begin
  perform
    vp_rebuild_user_usage_rollup (new.id);
  return null;
end
$function$;

create or replace trigger users_time_zone_changed
  after update of time_zone on users for each row
  when ((old.time_zone is distinct from new.time_zone))
  execute function vp_users_time_zone_changed ();
