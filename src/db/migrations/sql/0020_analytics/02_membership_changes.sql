-- Frozen DDL of Migration20261124000020_analytics, part 2 of 2: the membership history, the top-ups index.
-- The functions and triggers are in src/db/sql/analytics/.
-- Every change of a membership's plan, status, cancellation or period, whoever writes it (Stripe
-- mirror, plan changes, admin): the facts revenue movements (new, expansion, contraction, churn)
-- are computed from. effective_at is the Stripe event's time when the change came with a newer
-- one, else the time of the change. No personal data: ids, plan codes, statuses and times.
create table membership_changes (
  id bigint generated always as identity primary key,
  membership_id uuid not null,
  user_id uuid not null,
  kind text not null check (kind in ('CREATED', 'UPGRADE', 'DOWNGRADE', 'STATUS', 'CANCEL_AT_PERIOD_END', 'PERIOD')),
  plan_code text not null,
  previous_plan_code text,
  status text not null,
  previous_status text,
  cancel_at_period_end boolean not null,
  current_period_start timestamptz,
  current_period_end timestamptz,
  effective_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
create index membership_changes_user on membership_changes (user_id, effective_at, id);
create index membership_changes_effective on membership_changes (effective_at);

-- memberships that exist already start their history when they were created
insert into membership_changes (membership_id, user_id, kind, plan_code, status, cancel_at_period_end,
  current_period_start, current_period_end, effective_at)
select id, user_id, 'CREATED', plan_code, status, cancel_at_period_end, current_period_start, current_period_end,
       coalesce(stripe_event_at, created_at)
  from memberships;

-- top-ups (revenue) are found among the grants without reading the ledger
create index credit_grants_purchase on credit_grants (created_at) where source = 'PURCHASE';
