import { Migration } from '@mikro-orm/migrations';

// Plan changes (billing rules §5) and reconciliation with Stripe.
// - A downgrade waits for the period end: the membership shows the plan it will move to.
// - An upgrade is paid at once (Stripe proration invoice); when that invoice is paid the difference
//   in included seconds, prorated by the time left in the period, is granted as PLAN seconds that
//   expire with the period — once per proration invoice. The period takes the new plan's rate.
// - vp_grant_plan no longer lowers a period's included seconds raised by an upgrade when the
//   period's own invoice.paid arrives late (Stripe delivers out of order).
export class Migration20261124000006_plan_changes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table memberships
        add column scheduled_plan_code text references plans (code),
        add column scheduled_change_at timestamptz,
        add column reconciled_at timestamptz;
      create index memberships_reconcile on memberships (reconciled_at nulls first) where stripe_subscription_id is not null;

      create function vp_grant_upgrade(p_user uuid, p_subscription text, p_invoice text, p_period_end timestamptz,
        p_from text, p_to text, p_changed_at timestamptz, p_now timestamptz) returns jsonb language plpgsql as $$
      declare
        x record;
        v_now timestamptz := coalesce(p_now, statement_timestamp());
        v_key text := '~upgrade:' || p_invoice;
        v_fingerprint text := 'grantUpgrade|' || p_from || '|' || p_to || '|' || ((extract(epoch from p_period_end) * 1000)::bigint)::text;
        f plans;
        t plans;
        up usage_periods;
        v_at timestamptz;
        v_total_ms bigint;
        v_left_ms bigint;
        v_seconds bigint;
      begin
        x := vp_begin(p_user, v_key, v_fingerprint, v_now);
        if x.replay is not null then
          return x.replay;
        end if;
        select * into f from plans where code = p_from;
        if not found then
          perform vp_fail('PLAN_NOT_FOUND');
        end if;
        select * into t from plans where code = p_to;
        if not found then
          perform vp_fail('PLAN_NOT_FOUND');
        end if;
        if t.included_seconds <= f.included_seconds then
          perform vp_fail('INVALID_ARGUMENT', jsonb_build_object('reason', 'not an upgrade'));
        end if;
        select * into up from usage_periods where user_id = p_user and period_end = p_period_end;
        if not found then
          perform vp_fail('PERIOD_NOT_FOUND');
        end if;
        if up.period_end <= v_now or up.status <> 'OPEN' then
          perform vp_fail('INVALID_PERIOD');
        end if;
        v_at := least(greatest(p_changed_at, up.period_start), up.period_end);
        v_total_ms := (extract(epoch from (up.period_end - up.period_start)) * 1000)::bigint;
        v_left_ms := (extract(epoch from (up.period_end - v_at)) * 1000)::bigint;
        -- whole seconds, rounded down: (difference × time left) / period length
        v_seconds := ((t.included_seconds - f.included_seconds) * v_left_ms) / v_total_ms;
        update usage_periods
           set plan_code = t.code, overage_cents_per_minute = t.overage_cents_per_minute,
               included_seconds = included_seconds + v_seconds
         where id = up.id;
        if v_seconds <= 0 then
          return jsonb_build_object('grant', null, 'grantedSeconds', 0);
        end if;
        return vp_grant(p_user, 'PLAN', v_seconds, up.period_end, p_invoice, v_key, v_fingerprint,
          'Upgrade to ' || t.name || ': included minutes for the rest of the period',
          jsonb_build_object('planCode', t.code, 'fromPlanCode', f.code, 'changedAt', v_at,
            'periodStart', up.period_start, 'periodEnd', up.period_end, 'invoice', p_invoice, 'subscription', p_subscription),
          up.id, v_now);
      end $$;

      create or replace function vp_grant_plan(p_user uuid, p_subscription text, p_period_start timestamptz, p_period_end timestamptz,
        p_plan text, p_now timestamptz) returns jsonb language plpgsql as $$
      declare
        x record;
        v_now timestamptz := coalesce(p_now, statement_timestamp());
        v_key text := '~plan:' || p_subscription || ':' || ((extract(epoch from p_period_start) * 1000)::bigint)::text;
        v_fingerprint text := 'grantPlan|' || p_plan || '|' || ((extract(epoch from p_period_end) * 1000)::bigint)::text;
        b credit_balances;
        m memberships;
        pl plans;
        v_period uuid;
      begin
        x := vp_begin(p_user, v_key, v_fingerprint, v_now);
        b := x.b;
        if x.replay is not null then
          return x.replay;
        end if;
        select * into m from memberships where user_id = p_user;
        if not found then
          perform vp_fail('MEMBERSHIP_NOT_FOUND');
        end if;
        select * into pl from plans where code = p_plan;
        if not found then
          perform vp_fail('PLAN_NOT_FOUND');
        end if;
        if p_period_end <= v_now then
          perform vp_fail('INVALID_PERIOD');
        end if;
        insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds,
                                   overage_cents_per_minute)
        values (p_user, m.id, pl.code, p_period_start, p_period_end, pl.included_seconds, pl.overage_cents_per_minute)
        on conflict (user_id, period_start) do update
          set included_seconds = greatest(usage_periods.included_seconds, excluded.included_seconds)
        returning id into v_period;
        return vp_grant(p_user, 'PLAN', pl.included_seconds, p_period_end, p_subscription, v_key, v_fingerprint,
          pl.name || ' plan: included minutes', jsonb_build_object('planCode', pl.code, 'periodStart', p_period_start,
          'periodEnd', p_period_end), v_period, v_now);
      end $$;
    `);
  }

  // vp_grant_plan keeps its safer form: it only differs from the old one for upgraded periods.
  override async down(): Promise<void> {
    this.addSql(`
      drop function vp_grant_upgrade(uuid, text, text, timestamptz, text, text, timestamptz, timestamptz);
      drop index memberships_reconcile;
      alter table memberships drop column scheduled_plan_code, drop column scheduled_change_at, drop column reconciled_at;
    `);
  }
}
