import { Migration } from '@mikro-orm/migrations';

// The largest balance (billing rules §4): 2^31 − 1 seconds, limits.balanceSecondsMax. Every entry
// that adds seconds goes through vp_append (grants of every source — plan, upgrade, bonus, purchase,
// rollover, adjustment — through vp_insert_grant, and refunds directly), so the check lives there:
// an entry that would take the balance past the largest one raises BALANCE_LIMIT_EXCEEDED, which
// rolls the whole call back (nothing written). Entries that take seconds away are never refused
// by it, so a balance above the limit from before this migration can still be used.
//
// vp_close_period caps a rollover by the room left under the largest balance instead of failing:
// the rollover is no request anyone can retry smaller, and a period must close (its overage is
// billed); the unused seconds that do not fit have expired already.
//
// vp_adjust (a negative adjustment) takes no seconds that active holds have promised: it is refused
// with INSUFFICIENT_CREDITS past balance − reserved (the available balance), not only past zero.
export class Migration20261124000170_balance_limit extends Migration {
  override async up(): Promise<void> {
    this.addSql(UP_SQL);
  }

  override async down(): Promise<void> {
    this.addSql(DOWN_SQL);
  }
}

const UP_SQL = String.raw`
create function vp_balance_seconds_max() returns bigint language sql immutable as $$ select 2147483647::bigint $$;

create or replace function vp_append(inout b credit_balances, p_type text, p_amount bigint, p_description text,
  p_metadata jsonb, p_reference text, p_key text, p_now timestamptz, out e ledger_entries)
language plpgsql as $$
begin
  if p_amount > 0 and b.balance_seconds + p_amount > vp_balance_seconds_max() then
    perform vp_fail('BALANCE_LIMIT_EXCEEDED', jsonb_build_object('field', 'seconds', 'balanceSeconds', b.balance_seconds,
      'balanceSecondsMax', vp_balance_seconds_max(),
      'roomSeconds', greatest(vp_balance_seconds_max() - b.balance_seconds, 0)));
  end if;
  e := vp_insert_entry(b.user_id, b.last_sequence, b.last_hash, b.balance_seconds, p_type, p_amount, p_description,
    p_metadata, p_reference, p_key, p_now);
  b.balance_seconds := e.balance_after_seconds;
  b.last_sequence := e.sequence;
  b.last_hash := e.hash;
end $$;

create or replace function vp_close_period(p_period uuid, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  p usage_periods;
  b credit_balances;
  ms memberships;
  pl plans;
  g credit_grants;
  e ledger_entries;
  v_unused bigint;
  v_rollover bigint;
  v_limit bigint;
  v_cents bigint;
  v_next_end timestamptz;
begin
  select * into p from usage_periods where id = p_period;
  if not found then
    perform vp_fail('PERIOD_NOT_FOUND');
  end if;
  b := vp_lock_user(p.user_id, v_now);  -- expires the period's PLAN grants, which end with it
  select * into p from usage_periods where id = p_period;
  if p.status = 'CLOSED' then
    return jsonb_build_object('periodId', p.id, 'userId', p.user_id, 'expiredSeconds', p.expired_seconds,
      'rolloverSeconds', p.rollover_seconds, 'overageSeconds', p.overage_seconds, 'overageCents', p.overage_cents,
      'overCapSeconds', p.over_cap_seconds, 'periodStart', p.period_start, 'periodEnd', p.period_end,
      'balance', vp_balance_json(b));
  end if;
  if p.period_end > v_now then
    perform vp_fail('PERIOD_NOT_ENDED', jsonb_build_object('periodEnd', p.period_end));
  end if;
  select * into ms from memberships where id = p.membership_id;
  select * into pl from plans where code = p.plan_code;
  select coalesce(sum(expired_seconds), 0) into v_unused
    from credit_grants where period_id = p.id and source = 'PLAN';
  -- the rollover is capped by the room left under the largest balance: what does not fit expires
  v_rollover := least(v_unused, pl.rollover_max_seconds, greatest(vp_balance_seconds_max() - b.balance_seconds, 0));
  if v_rollover > 0 then
    v_next_end := case when ms.current_period_end > p.period_end then ms.current_period_end
                       else p.period_end + (p.period_end - p.period_start) end;
    if v_next_end > v_now then
      x := vp_insert_grant(b, 'ROLLOVER', v_rollover, v_next_end, p.id::text,
        '~rollover:' || p.id::text, 'Rollover of unused included minutes', jsonb_build_object('fromPeriod', p.id),
        null, null, v_now);
    b := x.b; g := x.g; e := x.e;
      b := vp_save_balance(b, v_now);
    else
      v_rollover := 0;
    end if;
  end if;
  -- the highest limit in force while overage was used (usage records it); without overage, today's
  v_limit := coalesce(p.overage_limit_cents, ms.overage_limit_cents, pl.price_cents);
  v_cents := least((p.overage_seconds * p.overage_cents_per_minute * 2 + 60) / 120, v_limit);
  update usage_periods
     set status = 'CLOSED', closed_at = v_now, expired_seconds = v_unused, rollover_seconds = v_rollover,
         overage_limit_cents = v_limit, overage_cents = v_cents
   where id = p.id
  returning * into p;
  return jsonb_build_object('periodId', p.id, 'userId', p.user_id, 'expiredSeconds', p.expired_seconds,
    'rolloverSeconds', p.rollover_seconds, 'overageSeconds', p.overage_seconds, 'overageCents', p.overage_cents,
    'overCapSeconds', p.over_cap_seconds, 'periodStart', p.period_start, 'periodEnd', p.period_end,
    'balance', vp_balance_json(b));
end $$;

create or replace function vp_adjust(p_user uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint text,
  p_now timestamptz) returns jsonb language plpgsql as $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  g credit_grants;
  e ledger_entries;
  v_result jsonb;
begin
  x := vp_begin(p_user, p_key, p_fingerprint, v_now);
  b := x.b;
  if x.replay is not null then
    return x.replay;
  end if;
  if p_seconds > 0 then
    x := vp_insert_grant(b, 'ADJUSTMENT', p_seconds, null, null, p_key, p_reason, null, null,
      null, v_now);
    b := x.b; g := x.g; e := x.e;
  else
    -- never below zero, and never into seconds that active holds have promised to calls
    if -p_seconds > b.balance_seconds - b.reserved_seconds then
      perform vp_fail('INSUFFICIENT_CREDITS', jsonb_build_object('field', 'seconds', 'balanceSeconds', b.balance_seconds,
        'availableSeconds', greatest(b.balance_seconds - b.reserved_seconds, 0)));
    end if;
    x := vp_append(b, 'ADJUSTMENT', p_seconds, p_reason,
      jsonb_build_object('grants', vp_consume(p_user, -p_seconds, v_now)), null, p_key, v_now);
    b := x.b; e := x.e;
  end if;
  b := vp_save_balance(b, v_now);
  v_result := jsonb_build_object('transaction', vp_entry_json(e), 'balance', vp_balance_json(b));
  perform vp_idem_put(p_user, p_key, 'adjust', p_fingerprint, v_result, v_now);
  return v_result;
end $$;
`;

const DOWN_SQL = String.raw`
create or replace function vp_append(inout b credit_balances, p_type text, p_amount bigint, p_description text,
  p_metadata jsonb, p_reference text, p_key text, p_now timestamptz, out e ledger_entries)
language plpgsql as $$
begin
  e := vp_insert_entry(b.user_id, b.last_sequence, b.last_hash, b.balance_seconds, p_type, p_amount, p_description,
    p_metadata, p_reference, p_key, p_now);
  b.balance_seconds := e.balance_after_seconds;
  b.last_sequence := e.sequence;
  b.last_hash := e.hash;
end $$;

create or replace function vp_close_period(p_period uuid, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  p usage_periods;
  b credit_balances;
  ms memberships;
  pl plans;
  g credit_grants;
  e ledger_entries;
  v_unused bigint;
  v_rollover bigint;
  v_limit bigint;
  v_cents bigint;
  v_next_end timestamptz;
begin
  select * into p from usage_periods where id = p_period;
  if not found then
    perform vp_fail('PERIOD_NOT_FOUND');
  end if;
  b := vp_lock_user(p.user_id, v_now);  -- expires the period's PLAN grants, which end with it
  select * into p from usage_periods where id = p_period;
  if p.status = 'CLOSED' then
    return jsonb_build_object('periodId', p.id, 'userId', p.user_id, 'expiredSeconds', p.expired_seconds,
      'rolloverSeconds', p.rollover_seconds, 'overageSeconds', p.overage_seconds, 'overageCents', p.overage_cents,
      'overCapSeconds', p.over_cap_seconds, 'periodStart', p.period_start, 'periodEnd', p.period_end,
      'balance', vp_balance_json(b));
  end if;
  if p.period_end > v_now then
    perform vp_fail('PERIOD_NOT_ENDED', jsonb_build_object('periodEnd', p.period_end));
  end if;
  select * into ms from memberships where id = p.membership_id;
  select * into pl from plans where code = p.plan_code;
  select coalesce(sum(expired_seconds), 0) into v_unused
    from credit_grants where period_id = p.id and source = 'PLAN';
  v_rollover := least(v_unused, pl.rollover_max_seconds);
  if v_rollover > 0 then
    v_next_end := case when ms.current_period_end > p.period_end then ms.current_period_end
                       else p.period_end + (p.period_end - p.period_start) end;
    if v_next_end > v_now then
      x := vp_insert_grant(b, 'ROLLOVER', v_rollover, v_next_end, p.id::text,
        '~rollover:' || p.id::text, 'Rollover of unused included minutes', jsonb_build_object('fromPeriod', p.id),
        null, null, v_now);
    b := x.b; g := x.g; e := x.e;
      b := vp_save_balance(b, v_now);
    else
      v_rollover := 0;
    end if;
  end if;
  -- the highest limit in force while overage was used (usage records it); without overage, today's
  v_limit := coalesce(p.overage_limit_cents, ms.overage_limit_cents, pl.price_cents);
  v_cents := least((p.overage_seconds * p.overage_cents_per_minute * 2 + 60) / 120, v_limit);
  update usage_periods
     set status = 'CLOSED', closed_at = v_now, expired_seconds = v_unused, rollover_seconds = v_rollover,
         overage_limit_cents = v_limit, overage_cents = v_cents
   where id = p.id
  returning * into p;
  return jsonb_build_object('periodId', p.id, 'userId', p.user_id, 'expiredSeconds', p.expired_seconds,
    'rolloverSeconds', p.rollover_seconds, 'overageSeconds', p.overage_seconds, 'overageCents', p.overage_cents,
    'overCapSeconds', p.over_cap_seconds, 'periodStart', p.period_start, 'periodEnd', p.period_end,
    'balance', vp_balance_json(b));
end $$;

create or replace function vp_adjust(p_user uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint text,
  p_now timestamptz) returns jsonb language plpgsql as $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  g credit_grants;
  e ledger_entries;
  v_result jsonb;
begin
  x := vp_begin(p_user, p_key, p_fingerprint, v_now);
  b := x.b;
  if x.replay is not null then
    return x.replay;
  end if;
  if p_seconds > 0 then
    x := vp_insert_grant(b, 'ADJUSTMENT', p_seconds, null, null, p_key, p_reason, null, null,
      null, v_now);
    b := x.b; g := x.g; e := x.e;
  else
    if -p_seconds > b.balance_seconds then
      perform vp_fail('INSUFFICIENT_CREDITS', jsonb_build_object('balanceSeconds', b.balance_seconds));
    end if;
    x := vp_append(b, 'ADJUSTMENT', p_seconds, p_reason,
      jsonb_build_object('grants', vp_consume(p_user, -p_seconds, v_now)), null, p_key, v_now);
    b := x.b; e := x.e;
  end if;
  b := vp_save_balance(b, v_now);
  v_result := jsonb_build_object('transaction', vp_entry_json(e), 'balance', vp_balance_json(b));
  perform vp_idem_put(p_user, p_key, 'adjust', p_fingerprint, v_result, v_now);
  return v_result;
end $$;

drop function vp_balance_seconds_max();
`;
