create or replace function vp_membership_history ()
  returns trigger
  language plpgsql
  as $function$
declare
  v_kind text;
  v_at timestamptz;
  v_old_price bigint;
  v_new_price bigint;
begin
  if tg_op = 'INSERT' then
    v_kind := 'CREATED';
    v_at := coalesce(new.stripe_event_at, now());
  else
    if new.plan_code is distinct from old.plan_code then
      select
        price_cents into v_old_price
      from
        plans
      where
        code = old.plan_code;
      select
        price_cents into v_new_price
      from
        plans
      where
        code = new.plan_code;
      v_kind := case when v_new_price >= v_old_price then
        'UPGRADE'
      else
        'DOWNGRADE'
      end;
    elsif new.status is distinct from old.status then
      v_kind := 'STATUS';
    elsif new.cancel_at_period_end is distinct from old.cancel_at_period_end then
      v_kind := 'CANCEL_AT_PERIOD_END';
    else
      v_kind := 'PERIOD';
    end if;
    v_at := case when new.stripe_event_at is not null
      and new.stripe_event_at is distinct from old.stripe_event_at then
      new.stripe_event_at
    else
      now()
    end;
  end if;
  insert into membership_changes (membership_id, user_id, kind, plan_code, previous_plan_code, status, previous_status,
    cancel_at_period_end, current_period_start, current_period_end, effective_at)
    values (new.id, new.user_id, v_kind, new.plan_code, case when tg_op = 'UPDATE' then
        old.plan_code
      end, new.status, case when tg_op = 'UPDATE' then
        old.status
      end, new.cancel_at_period_end, new.current_period_start, new.current_period_end, v_at);
  return null;
end
$function$;

create or replace trigger memberships_history_insert
  after insert on memberships for each row
  execute function vp_membership_history ();

create or replace trigger memberships_history_update
  after update on memberships for each row
  when (((old.plan_code is distinct from new.plan_code) or (old.status is distinct from new.status) or
    (old.cancel_at_period_end is distinct from new.cancel_at_period_end) or (old.current_period_start is distinct from
    new.current_period_start) or (old.current_period_end is distinct from new.current_period_end)))
  execute function vp_membership_history ();
