-- Frozen DDL of Migration20261124000001_schema, part 1 of 6: plans, users, memberships.
-- Tables only; the functions and triggers are in src/db/sql/.
create table plans (
  code text primary key check (code in ('STARTER', 'BUSINESS', 'ENTERPRISE')),
  name text not null,
  price_cents bigint not null check (price_cents >= 0),
  currency char(3) not null default 'EUR',
  included_seconds bigint not null check (included_seconds >= 0),
  overage_cents_per_minute bigint not null check (overage_cents_per_minute > 0),
  usage_increment_seconds integer not null default 1 check (usage_increment_seconds between 1 and 3600),
  rollover_max_seconds bigint not null default 0 check (rollover_max_seconds >= 0),
  support text not null,
  analytics text not null,
  features text[] not null,
  sort_order integer not null,
  created_at timestamptz not null default now()
);

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254),
  role text not null default 'USER' check (role in ('USER', 'SERVICE', 'ADMIN')),
  time_zone text not null default 'Europe/Berlin',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_unique on users (lower(email));

create table memberships (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null unique references users (id),
  plan_code text not null references plans (code),
  status text not null check (status in ('INCOMPLETE', 'TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED', 'UNPAID')),
  current_period_start timestamptz,
  current_period_end timestamptz,
  cancel_at_period_end boolean not null default false,
  overage_limit_cents bigint check (overage_limit_cents >= 0),
  stripe_customer_id text,
  stripe_subscription_id text unique,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((current_period_start is null) = (current_period_end is null)),
  check (current_period_end > current_period_start)
);
