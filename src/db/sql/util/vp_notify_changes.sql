-- Tells the API processes' caches (src/db/changes.ts) what to forget, on channel vp_changes, in the
-- writing transaction (delivered at its commit): a revoked or changed API key (`key:<secret_hash>`),
-- a user who changed (role, erasure, email, time zone: users rows change rarely) or is gone, a membership whose status or plan changed
-- (it decides whether a USER key is backed: `user:<id>`), any change of the plan catalogue (`plans`).
-- None of these is on the hot path of usage.
create or replace function vp_notify_changes ()
  returns trigger
  language plpgsql
  as $function$
begin
  if tg_table_name = 'plans' then
    perform
      pg_notify('vp_changes', 'plans');
    return null;
  end if;
  if tg_table_name = 'api_keys' then
    perform
      pg_notify('vp_changes', 'key:' || old.secret_hash);
    return null;
  end if;
  if tg_table_name = 'users' then
    perform
      pg_notify('vp_changes', 'user:' || old.id);
    return null;
  end if;
  -- memberships
  if tg_op in ('UPDATE', 'DELETE') then
    perform
      pg_notify('vp_changes', 'user:' || old.user_id);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    perform
      pg_notify('vp_changes', 'user:' || new.user_id);
  end if;
  return null;
end
$function$;

create or replace trigger plans_notify_changes
  after insert or update or delete or truncate on plans for each statement
  execute function vp_notify_changes ();

create or replace trigger api_keys_notify_changes
  after update of revoked_at,
  role,
  user_id,
  secret_hash or delete on api_keys for each row
  execute function vp_notify_changes ();

create or replace trigger users_notify_changes
  after update or delete on users for each row
  execute function vp_notify_changes ();

create or replace trigger memberships_notify_changes
  after insert or delete on memberships for each row
  execute function vp_notify_changes ();

create or replace trigger memberships_notify_status_changes
  after update of status,
  plan_code on memberships for each row
  when (old.status is distinct from new.status or old.plan_code is distinct from new.plan_code)
  execute function vp_notify_changes ();
