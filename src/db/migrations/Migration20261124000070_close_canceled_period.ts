import { Migration } from '@mikro-orm/migrations';

// A period that ends before its time because its membership was cancelled at once (erasure, billing
// rules §10): its overage is fixed now, so it can be billed while the Stripe customer still exists.
// The overage cents follow vp_close_period exactly (round half up once, capped by the highest limit
// in force while overage was used). Nothing expires and nothing rolls over here: the PLAN seconds
// left expire when their grants say (the period's paid end), and a membership that has ended takes
// no rollover. A period that has ended or is closed already goes to vp_close_period, which closes it
// as usual or answers its first result; an OPEN period of a membership that is not CANCELED is
// refused (PERIOD_NOT_ENDED). After this, usage of the user counts in no period and takes no
// overage (vp_usage_context: a CLOSED period, a CANCELED membership).
export class Migration20261124000070_close_canceled_period extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create function vp_close_canceled_period(p_period uuid, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  p usage_periods;
  b credit_balances;
  ms memberships;
  pl plans;
  v_limit bigint;
begin
  select * into p from usage_periods where id = p_period;
  if not found then
    perform vp_fail('PERIOD_NOT_FOUND');
  end if;
  b := vp_lock_user(p.user_id, v_now);
  select * into p from usage_periods where id = p_period;
  if p.status = 'CLOSED' or p.period_end <= v_now then
    return vp_close_period(p_period, v_now);
  end if;
  select * into ms from memberships where id = p.membership_id;
  if ms.status <> 'CANCELED' then
    perform vp_fail('PERIOD_NOT_ENDED', jsonb_build_object('periodEnd', p.period_end));
  end if;
  select * into pl from plans where code = p.plan_code;
  v_limit := coalesce(p.overage_limit_cents, ms.overage_limit_cents, pl.price_cents);
  update usage_periods
     set status = 'CLOSED', closed_at = v_now, expired_seconds = 0, rollover_seconds = 0, overage_limit_cents = v_limit,
         overage_cents = least((p.overage_seconds * p.overage_cents_per_minute * 2 + 60) / 120, v_limit)
   where id = p.id
  returning * into p;
  return jsonb_build_object('periodId', p.id, 'userId', p.user_id, 'expiredSeconds', p.expired_seconds,
    'rolloverSeconds', p.rollover_seconds, 'overageSeconds', p.overage_seconds, 'overageCents', p.overage_cents,
    'overCapSeconds', p.over_cap_seconds, 'periodStart', p.period_start, 'periodEnd', p.period_end,
    'balance', vp_balance_json(b));
end $$;

-- Every OPEN period of the user's CANCELED memberships, closed now (above), chosen under the user's
-- lock: a usage that read the membership as still ACTIVE holds that lock until it commits, so its
-- overage is in the period before the period is chosen and closed, and a usage after this sees a
-- CANCELED membership and takes no overage. Answers the outcomes in period order.
create function vp_close_canceled_periods(p_user uuid, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_out jsonb := '[]';
  r record;
begin
  perform vp_lock_user(p_user, v_now);
  for r in
    select up.id from usage_periods up join memberships ms on ms.id = up.membership_id
     where up.user_id = p_user and up.status = 'OPEN' and ms.status = 'CANCELED'
     order by up.period_start
  loop
    v_out := v_out || jsonb_build_array(vp_close_canceled_period(r.id, v_now));
  end loop;
  return v_out;
end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql('drop function if exists vp_close_canceled_periods(uuid, timestamptz);');
    this.addSql('drop function if exists vp_close_canceled_period(uuid, timestamptz);');
  }
}
