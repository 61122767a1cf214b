// The data of bench:analytics, made with set-based SQL (generate_series, window functions) instead
// of one ledger call per usage: a year of realistic usage for N users — memberships on the three
// plans with monthly periods anchored on each user's day, customers who join late, churn, upgrade
// and downgrade (written as UPDATEs of memberships, so the history trigger records them as in
// production), calls of plan-typical count and length, credits consumed first and the rest as
// overage within the cap, PLAN grants and EXPIRY at period ends, closed periods with their overage
// cents. Ledger rows have gapless sequences and consistent balances; the hash chain is not real.
import type { Pool } from 'pg';

/** A time-ordered uuid for a timestamptz expression: its milliseconds, then random (vp_uuid7's order), inline for speed. */
const uuid7 = (ts: string) =>
  `overlay(replace(gen_random_uuid()::text, '-', '') placing lpad(to_hex((extract(epoch from ${ts}) * 1000)::bigint), 12, '0') from 1 for 12)::uuid`;

export interface SeedFigures {
  users: number;
  calls: number;
  usageRecords: number;
  ledgerEntries: number;
  periods: number;
  membershipChanges: number;
  stepsMs: Record<string, number>;
}

export async function seed(pool: Pool, users: number, days: number, log: (s: string) => void): Promise<SeedFigures> {
  const c = await pool.connect();
  const stepsMs: Record<string, number> = {};
  const step = async (name: string, sql: string, params: unknown[] = []) => {
    const t0 = Date.now();
    await c.query(sql, params);
    stepsMs[name] = Date.now() - t0;
    log(`  ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };
  try {
    await c.query(`set timezone = 'UTC'; set work_mem = '1GB'; set maintenance_work_mem = '512MB'; set synchronous_commit = off`);
    await step(
      'parameters',
      `
      create unlogged table bench_params as
        select now() - interval '1 hour' as end_at, now() - interval '1 hour' - make_interval(days => $2::int) as start_at,
               date_trunc('month', now() - interval '1 hour' - make_interval(days => $2::int)) as base, $1::int as users`,
      [users, days],
    );
    await step(
      'users',
      `
      insert into users (email, time_zone, created_at)
        select 'bench-' || g || '@example.com',
               case when g % 20 = 1 then 'Europe/London' when g % 20 = 2 then 'America/New_York' when g % 50 = 3 then 'Asia/Kolkata'
                    else 'Europe/Berlin' end,
               (select start_at from bench_params) - interval '30 days'
          from generate_series(1, (select users from bench_params)) g;
      create unlogged table bench_users as
        select u.id as user_id, n,
               case when n % 20 < 10 then 'STARTER' when n % 20 < 17 then 'BUSINESS' else 'ENTERPRISE' end as base_plan,
               1 + (n * 7) % 28 as anchor,
               0.5 + random() * 0.7 as mult,
               case when n % 7 = 3 then 1 + n % 10 else 0 end as join_k,
               case when n % 5 = 2 and n % 7 <> 3 then 2 + n % 10 else null end as churn_k,
               case when n % 20 < 10 and n % 6 = 1 then 2 + n % 9 else null end as up_k,
               case when n % 20 between 10 and 16 and n % 8 = 5 then 2 + n % 9 else null end as down_k
          from (select id, substring(email from 'bench-([0-9]+)@')::int as n from users) u;
      alter table bench_users add column calls_per_day float8, add column mean_seconds int;
      update bench_users set calls_per_day = case base_plan when 'STARTER' then 6 when 'BUSINESS' then 26 else 75 end * mult,
                             mean_seconds = case base_plan when 'STARTER' then 75 when 'BUSINESS' then 60 else 62 end;
      analyze bench_users;`,
    );

    await step(
      'periods',
      `
      create unlogged table bench_periods as
        select bu.user_id, k, s.start_at, s.start_at + interval '1 month' as end_at,
               case when bu.up_k is not null and k >= bu.up_k then 'BUSINESS'
                    when bu.down_k is not null and k >= bu.down_k then 'STARTER' else bu.base_plan end as plan_code,
               gen_random_uuid() as period_id, gen_random_uuid() as grant_id,
               ${uuid7('s.start_at')} as grant_entry_id, ${uuid7("(s.start_at + interval '1 month')")} as expiry_entry_id
          from bench_users bu cross join generate_series(0, 12) k
          cross join lateral (select p.base + make_interval(days => bu.anchor - 1, months => k) as start_at from bench_params p) s
         where k >= bu.join_k and (bu.churn_k is null or k < bu.churn_k) and s.start_at < (select end_at from bench_params);
      create index on bench_periods (user_id, k);
      analyze bench_periods;`,
    );

    await step(
      'memberships, month by month (history by trigger)',
      `
      do $$ declare m_k int; begin
        for m_k in 0..12 loop
          insert into memberships (user_id, plan_code, status, current_period_start, current_period_end, stripe_customer_id,
                                   stripe_subscription_id, stripe_event_at, created_at)
          select p.user_id, p.plan_code, 'ACTIVE', p.start_at, p.end_at, 'cus_b' || bu.n, 'sub_b' || bu.n, p.start_at, p.start_at
            from bench_periods p join bench_users bu using (user_id) where p.k = m_k and bu.join_k = m_k;
          update memberships m set plan_code = p.plan_code, current_period_start = p.start_at, current_period_end = p.end_at,
                                   stripe_event_at = p.start_at
            from bench_periods p join bench_users bu using (user_id)
           where m.user_id = p.user_id and p.k = m_k and m_k > bu.join_k;
          update memberships m set status = 'CANCELED', cancel_at_period_end = true, stripe_event_at = p.end_at
            from bench_users bu join bench_periods p on p.user_id = bu.user_id and p.k = bu.churn_k - 1
           where m.user_id = bu.user_id and bu.churn_k = m_k and p.end_at < (select end_at from bench_params);
        end loop;
      end $$;`,
    );

    await step(
      'calls (generate_series per user and day)',
      `
      create unlogged table bench_calls as
        select x.user_id, x.occurred_at, x.used,
               ((extract(year from x.occurred_at - make_interval(days => x.anchor - 1)) * 12
                 + extract(month from x.occurred_at - make_interval(days => x.anchor - 1)))
                - (extract(year from (select base from bench_params)) * 12 + extract(month from (select base from bench_params))))::int as k
          from (
            select bu.user_id, bu.anchor, w.a, w.b,
                   date_trunc('milliseconds', d + random() * interval '1 day') as occurred_at,
                   (15 + least(3585, floor(-ln(1 - random()) * (bu.mean_seconds - 15))))::bigint as used
              from bench_users bu
              cross join lateral (
                select greatest(p.start_at, p.base + make_interval(days => bu.anchor - 1, months => bu.join_k)) as a,
                       least(p.end_at, coalesce(p.base + make_interval(days => bu.anchor - 1, months => bu.churn_k), p.end_at)) as b
                  from bench_params p) w
              cross join lateral generate_series(date_trunc('day', w.a), w.b, interval '1 day') d
              cross join lateral generate_series(1, greatest(0, round(bu.calls_per_day * (0.3 + 1.4 * random())))::int) i
          ) x
         where x.occurred_at >= x.a and x.occurred_at < x.b;`,
    );

    await step(
      'credit, overage and ids per call (window over each period)',
      `
      create unlogged table bench_usage as
        select z.*, z.used - z.credit as overage,
               greatest(0, greatest(0, z.before - z.included) + (z.used - z.credit) - z.overage_max)
                 - greatest(0, greatest(0, z.before - z.included) - z.overage_max) as over_cap
          from (
            select y.*, greatest(0::bigint, least(y.used, y.included - y.before)) as credit,
                   ${uuid7('y.occurred_at')} as record_id, ${uuid7('y.occurred_at')} as entry_id
              from (
                select c.user_id, c.occurred_at, c.used, p.period_id, p.grant_id, pl.included_seconds as included,
                       vp_overage_max_seconds(pl.price_cents, pl.overage_cents_per_minute) as overage_max,
                       (sum(c.used) over (partition by c.user_id, c.k order by c.occurred_at rows unbounded preceding) - c.used)::bigint as before
                  from bench_calls c
                  join bench_periods p on p.user_id = c.user_id and p.k = c.k
                  join plans pl on pl.code = p.plan_code
              ) y
          ) z;
      analyze bench_usage;`,
    );

    // usage records and ledger entries are independent: written at once on two connections
    const c2 = await pool.connect();
    try {
      await c2.query(`set timezone = 'UTC'; set work_mem = '1GB'; set synchronous_commit = off`);
      const t0 = Date.now();
      await Promise.all([
        c2.query(`
          insert into usage_records (id, user_id, period_id, entry_id, call_id, used_seconds, billed_seconds, credit_seconds,
                                     overage_seconds, over_cap_seconds, uncovered_seconds, occurred_at, created_at)
          select record_id, user_id, period_id, case when credit > 0 then entry_id end, 'call-' || left(record_id::text, 13), used, used,
                 credit, overage, over_cap, 0, occurred_at, occurred_at
            from bench_usage order by record_id`),
        c.query(`
          with e as (
            select p.user_id, p.grant_entry_id as id, 'PLAN_GRANT' as type, pl.included_seconds as amount, p.start_at as created_at, 1 as ord,
                   jsonb_build_object('planCode', p.plan_code, 'periodStart', p.start_at, 'periodEnd', p.end_at) as metadata,
                   'sub_b' || bu.n as reference, '~plan:sub_b' || bu.n || ':' || (extract(epoch from p.start_at) * 1000)::bigint as key,
                   pl.name || ' plan: included minutes' as description
              from bench_periods p join plans pl on pl.code = p.plan_code join bench_users bu using (user_id)
            union all
            select u.user_id, u.entry_id, 'USAGE', -u.credit, u.occurred_at, 2,
                   jsonb_build_object('usedSeconds', u.used, 'billedSeconds', u.used, 'overageSeconds', u.overage,
                     'usageRecordId', u.record_id, 'grants', jsonb_build_array(jsonb_build_object('grantId', u.grant_id, 'seconds', u.credit))),
                   'call-' || left(u.record_id::text, 13), 'k-' || u.record_id, null
              from bench_usage u where u.credit > 0
            union all
            select p.user_id, p.expiry_entry_id, 'EXPIRY', -(pl.included_seconds - coalesce(s.credit, 0)), p.end_at, 0,
                   jsonb_build_object('grants', jsonb_build_array(jsonb_build_object('grantId', p.grant_id,
                     'seconds', pl.included_seconds - coalesce(s.credit, 0)))), null, null, 'Credits expired'
              from bench_periods p join plans pl on pl.code = p.plan_code
              left join (select period_id, sum(credit) as credit from bench_usage group by 1) s on s.period_id = p.period_id
             where p.end_at <= (select end_at from bench_params) and pl.included_seconds > coalesce(s.credit, 0)
          ), chained as (
            select e.*, row_number() over w as sequence, sum(e.amount) over w as balance_after
              from e window w as (partition by e.user_id order by e.created_at, e.ord, e.id rows unbounded preceding)
          )
          insert into ledger_entries (id, user_id, sequence, type, amount_seconds, balance_after_seconds, description, metadata,
                                      reference, idempotency_key, created_at, hash)
          select id, user_id, sequence, type, amount, balance_after, description, metadata, reference, key, created_at,
                 replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
            from chained order by id`),
      ]);
      stepsMs['usage_records and ledger_entries (at once)'] = Date.now() - t0;
      log(
        `  usage_records and ledger_entries (PLAN_GRANT, USAGE, EXPIRY; sequences and balances by window), at once: ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    } finally {
      c2.release();
    }

    await step(
      'grants, periods, balances',
      `
      with s as (select period_id, sum(used) as used, sum(credit) as credit, sum(overage) as overage, sum(over_cap) as over_cap
                   from bench_usage group by 1)
      insert into usage_periods (id, user_id, membership_id, plan_code, period_start, period_end, included_seconds, used_seconds,
                                 overage_seconds, over_cap_seconds, overage_cents_per_minute, status, expired_seconds,
                                 rollover_seconds, overage_limit_cents, overage_cents, closed_at, created_at)
      select p.period_id, p.user_id, m.id, p.plan_code, p.start_at, p.end_at, pl.included_seconds, coalesce(s.used, 0),
             coalesce(s.overage, 0), coalesce(s.over_cap, 0), pl.overage_cents_per_minute,
             case when closed then 'CLOSED' else 'OPEN' end,
             case when closed then pl.included_seconds - coalesce(s.credit, 0) end, case when closed then 0 end,
             case when coalesce(s.overage, 0) > 0 then pl.price_cents end,
             case when closed then least((coalesce(s.overage, 0) * pl.overage_cents_per_minute * 2 + 60) / 120, pl.price_cents) end,
             case when closed then p.end_at end, p.start_at
        from bench_periods p
        cross join lateral (select p.end_at <= (select end_at from bench_params) as closed) c
        join plans pl on pl.code = p.plan_code
        join memberships m on m.user_id = p.user_id
        left join s on s.period_id = p.period_id;
      insert into credit_grants (id, user_id, source, granted_seconds, remaining_seconds, expires_at, reference, idempotency_key,
                                 period_id, entry_id, created_at, expired_at, expired_seconds)
      select p.grant_id, p.user_id, 'PLAN', up.included_seconds,
             case when up.status = 'CLOSED' then 0 else up.included_seconds - (up.used_seconds - up.overage_seconds) end,
             p.end_at, 'sub_b' || bu.n, '~plan:sub_b' || bu.n || ':' || (extract(epoch from p.start_at) * 1000)::bigint,
             p.period_id, p.grant_entry_id, p.start_at,
             case when up.status = 'CLOSED' then p.end_at end, up.expired_seconds
        from bench_periods p join usage_periods up on up.id = p.period_id join bench_users bu on bu.user_id = p.user_id;
      insert into credit_balances (user_id, balance_seconds, reserved_seconds, version, last_sequence, last_hash, updated_at)
      select u.id, coalesce(l.balance_after_seconds, 0), 0, coalesce(l.sequence, 0), coalesce(l.sequence, 0),
             coalesce(l.hash, repeat('0', 64)), now()
        from users u
        left join lateral (select sequence, balance_after_seconds, hash from ledger_entries e
                            where e.user_id = u.id order by sequence desc limit 1) l on true;`,
    );

    await step('drop the scratch tables', 'drop table bench_params, bench_users, bench_periods, bench_calls, bench_usage');
    await step('analyze', 'analyze');

    const counts = (
      await c.query<Record<string, string>>(`select
      (select count(*) from users) as users, (select count(*) from usage_records) as usage_records,
      (select count(*) from ledger_entries) as ledger_entries, (select count(*) from usage_periods) as periods,
      (select count(*) from membership_changes) as changes`)
    ).rows[0]!;
    return {
      users: Number(counts.users),
      calls: Number(counts.usage_records),
      usageRecords: Number(counts.usage_records),
      ledgerEntries: Number(counts.ledger_entries),
      periods: Number(counts.periods),
      membershipChanges: Number(counts.changes),
      stepsMs,
    };
  } finally {
    c.release();
  }
}
