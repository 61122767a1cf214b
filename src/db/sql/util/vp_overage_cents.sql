-- Cost in cents of p_seconds at p_cents_per_minute, rounded half up once: round(s * r / 60) in
-- integers, (2 * s * r + 60) / 120. The one home of this rounding in SQL (period close, analytics);
-- its TypeScript twin is costCents in src/domain/ledger/rules.ts, held to it by
-- test/integration/sql-rules.test.ts. An SQL function, so the planner inlines it into queries.
create or replace function vp_overage_cents (p_seconds bigint, p_cents_per_minute bigint)
  returns bigint
  language sql
  immutable PARALLEL SAFE
  as $function$
  select
    (p_seconds * p_cents_per_minute * 2 + 60) / 120
$function$;
