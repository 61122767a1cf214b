CREATE OR REPLACE FUNCTION vp_users_time_zone_changed()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  perform vp_rebuild_user_usage_rollup(new.id);
  return null;
end $function$;

CREATE OR REPLACE TRIGGER users_time_zone_changed AFTER UPDATE OF time_zone ON users FOR EACH ROW WHEN ((old.time_zone IS DISTINCT FROM new.time_zone)) EXECUTE FUNCTION vp_users_time_zone_changed();
