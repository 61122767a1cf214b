CREATE TYPE public.vp_usage_ctx AS (
	increment_seconds bigint,
	overage_eligible boolean,
	period_id uuid,
	rate_cents_per_minute bigint,
	limit_cents bigint,
	overage_max_seconds bigint,
	overage_used_seconds bigint,
	period_included_seconds bigint,
	period_used_seconds bigint,
	idem_operation text,
	idem_fingerprint text,
	idem_response jsonb,
	due boolean
);

CREATE FUNCTION public.vp_adjust(p_user uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  e ledger_entries;
begin
  x := vp_begin (p_user, p_key, p_fingerprint, v_now);
  b := x.b;
  if x.replay is not null then
    return x.replay;
  end if;
  if p_seconds > 0 then
    x := vp_insert_grant (b, 'ADJUSTMENT', p_seconds, null, null, p_key, p_reason, null, null, null, v_now);
    b := x.b;
    e := x.e;
  else
    -- never below zero, and never into seconds that active holds have promised to calls
    if - p_seconds > b.balance_seconds - b.reserved_seconds then
      perform
	vp_fail ('INSUFFICIENT_CREDITS', jsonb_build_object('field', 'seconds', 'balanceSeconds', b.balance_seconds,
	  'availableSeconds', greatest (b.balance_seconds - b.reserved_seconds, 0)));
    end if;
    x := vp_append (b, 'ADJUSTMENT', p_seconds, p_reason, jsonb_build_object('grants', vp_consume (p_user, -
      p_seconds, v_now)), null, p_key, v_now);
    b := x.b;
    e := x.e;
  end if;
  return vp_keyed_answer (vp_save_balance (b, v_now), p_key, 'adjust', p_fingerprint,
    jsonb_build_object('transaction', vp_entry_json (e)), v_now);
end
$$;

CREATE TABLE public.credit_balances (
    user_id uuid NOT NULL,
    balance_seconds bigint DEFAULT 0 NOT NULL,
    reserved_seconds bigint DEFAULT 0 NOT NULL,
    version bigint DEFAULT 0 NOT NULL,
    last_sequence bigint DEFAULT 0 NOT NULL,
    last_hash character(64) DEFAULT repeat('0'::text, 64) NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT credit_balances_balance_seconds_check CHECK ((balance_seconds >= 0)),
    CONSTRAINT credit_balances_last_sequence_check CHECK ((last_sequence >= 0)),
    CONSTRAINT credit_balances_reserved_seconds_check CHECK ((reserved_seconds >= 0)),
    CONSTRAINT credit_balances_version_check CHECK ((version >= 0))
)
WITH (fillfactor='70');

CREATE TABLE public.ledger_entries (
    id uuid NOT NULL,
    user_id uuid NOT NULL,
    sequence bigint NOT NULL,
    type text NOT NULL,
    amount_seconds bigint NOT NULL,
    balance_after_seconds bigint NOT NULL,
    description text,
    metadata jsonb,
    reference text,
    idempotency_key text,
    created_at timestamp with time zone NOT NULL,
    hash character(64) NOT NULL,
    CONSTRAINT ledger_entries_amount_seconds_check CHECK ((amount_seconds <> 0)),
    CONSTRAINT ledger_entries_balance_after_seconds_check CHECK ((balance_after_seconds >= 0)),
    CONSTRAINT ledger_entries_check CHECK ((((type = ANY (ARRAY['PLAN_GRANT'::text, 'PURCHASE'::text, 'BONUS'::text, 'ROLLOVER'::text, 'REFUND'::text])) AND (amount_seconds > 0)) OR ((type = ANY (ARRAY['USAGE'::text, 'EXPIRY'::text])) AND (amount_seconds < 0)) OR (type = 'ADJUSTMENT'::text))),
    CONSTRAINT ledger_entries_sequence_check CHECK ((sequence > 0)),
    CONSTRAINT ledger_entries_type_check CHECK ((type = ANY (ARRAY['PLAN_GRANT'::text, 'PURCHASE'::text, 'BONUS'::text, 'ROLLOVER'::text, 'USAGE'::text, 'REFUND'::text, 'EXPIRY'::text, 'ADJUSTMENT'::text])))
);

CREATE FUNCTION public.vp_append(INOUT b public.credit_balances, p_type text, p_amount bigint, p_description text, p_metadata jsonb, p_reference text, p_key text, p_now timestamp with time zone, OUT e public.ledger_entries) RETURNS record
    LANGUAGE plpgsql
    AS $$
begin
  if p_amount > 0 and b.balance_seconds + p_amount > vp_balance_seconds_max () then
    perform
      vp_fail ('BALANCE_LIMIT_EXCEEDED', jsonb_build_object('field', 'seconds', 'balanceSeconds', b.balance_seconds,
	'balanceSecondsMax', vp_balance_seconds_max (), 'roomSeconds', greatest (vp_balance_seconds_max () -
	b.balance_seconds, 0)));
  end if;
  e := vp_insert_entry (b.user_id, b.last_sequence, b.last_hash, b.balance_seconds, p_type, p_amount, p_description,
    p_metadata, p_reference, p_key, p_now);
  b.balance_seconds := e.balance_after_seconds;
  b.last_sequence := e.sequence;
  b.last_hash := e.hash;
end
$$;

CREATE FUNCTION public.vp_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  raise exception '% is append-only: % refused', tg_table_name, tg_op
    using errcode = 'VPB02';
end
$$;

CREATE FUNCTION public.vp_apply_usage(p_user uuid, p_balance bigint, p_sequence bigint, p_hash text, c public.vp_usage_ctx, p_used bigint, p_billed bigint, p_key text, p_call_id text, p_description text, p_occurred_at timestamp with time zone, p_reservation uuid, p_now timestamp with time zone, OUT o_balance bigint, OUT o_sequence bigint, OUT o_hash text, OUT o_result jsonb) RETURNS record
    LANGUAGE plpgsql
    AS $$
declare
  e ledger_entries;
  v_credit bigint := least (p_billed, p_balance);
  v_rest bigint := p_billed - least (p_billed, p_balance);
  v_overage bigint := 0;
  v_over_cap bigint := 0;
  v_uncovered bigint := 0;
  v_record uuid := vp_uuid7 ();
  v_alerts jsonb := '[]'::jsonb;
begin
  o_balance := p_balance;
  o_sequence := p_sequence;
  o_hash := p_hash;
  if v_credit > 0 then
    e := vp_insert_entry (p_user, p_sequence, p_hash, p_balance, 'USAGE', - v_credit, p_description,
      jsonb_strip_nulls (jsonb_build_object('usedSeconds', p_used, 'billedSeconds', p_billed, 'overageSeconds', v_rest,
      'callId', p_call_id, 'reservationId', p_reservation, 'usageRecordId', v_record, 'grants', vp_consume
      (p_user, v_credit, p_now))), p_call_id, p_key, p_now);
    o_balance := e.balance_after_seconds;
    o_sequence := e.sequence;
    o_hash := e.hash;
  end if;
  if v_rest > 0 then
    if c.overage_eligible then
      v_overage := v_rest;
      v_over_cap := greatest (c.overage_used_seconds + v_rest - c.overage_max_seconds, 0) - greatest
	(c.overage_used_seconds - c.overage_max_seconds, 0);
    else
      v_uncovered := v_rest;
    end if;
  end if;
  if c.period_id is not null and c.overage_eligible then
    -- the limit that allowed this overage is what caps the period's bill, even if it is lowered later
    update
      usage_periods
    set
      used_seconds = used_seconds + p_billed,
      overage_seconds = overage_seconds + v_overage,
      over_cap_seconds = over_cap_seconds + v_over_cap,
      overage_limit_cents = case when v_overage > 0 then
        greatest (coalesce(overage_limit_cents, 0), c.limit_cents)
      else
        overage_limit_cents
      end
    where
      id = c.period_id;
  end if;
  insert into usage_records (id, user_id, period_id, reservation_id, entry_id, call_id, description, used_seconds,
    billed_seconds, credit_seconds, overage_seconds, over_cap_seconds, uncovered_seconds, occurred_at, created_at)
    values (v_record, p_user, case when c.overage_eligible then
        c.period_id
      end, p_reservation, e.id, p_call_id, p_description, p_used, p_billed, v_credit, v_overage, v_over_cap,
	v_uncovered, coalesce(p_occurred_at, p_now), p_now);
  if c.period_id is not null and c.overage_eligible then
    v_alerts := vp_usage_alerts (p_user, c, p_billed, v_overage, p_balance, o_balance, p_now);
  end if;
  o_result := jsonb_build_object('alerts', v_alerts, 'usageRecordId', v_record, 'usedSeconds', p_used,
    'billedSeconds', p_billed, 'creditSeconds', v_credit, 'overageSeconds', v_overage, 'overCapSeconds', v_over_cap,
    'uncoveredSeconds', v_uncovered, 'transaction', case when e.id is null then
      null
    else
      vp_entry_json (e)
    end);
end
$$;

CREATE FUNCTION public.vp_balance_json(b public.credit_balances) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return jsonb_build_object('userId', b.user_id, 'balanceSeconds', b.balance_seconds, 'reservedSeconds',
    b.reserved_seconds, 'version', b.version, 'updatedAt', b.updated_at);
end
$$;

CREATE FUNCTION public.vp_balance_seconds_max() RETURNS bigint
    LANGUAGE sql IMMUTABLE
    AS $$
  select
    2147483647::bigint
$$;

CREATE FUNCTION public.vp_begin(p_user uuid, p_key text, p_fingerprint text, p_now timestamp with time zone, OUT b public.credit_balances, OUT replay jsonb) RETURNS record
    LANGUAGE plpgsql
    AS $$
begin
  b := vp_lock_user (p_user, p_now);
  if p_key is not null then
    replay := vp_idem_get (p_user, p_key, p_fingerprint);
  end if;
end
$$;

CREATE FUNCTION public.vp_check_room(b public.credit_balances, c public.vp_usage_ctx, p_seconds bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
declare
  v_room bigint := b.balance_seconds - b.reserved_seconds + greatest (c.overage_max_seconds - c.overage_used_seconds, 0);
begin
  if p_seconds > v_room then
    if c.overage_eligible and c.overage_max_seconds > 0 and p_seconds > b.balance_seconds - b.reserved_seconds then
      perform
        vp_fail ('OVERAGE_LIMIT_REACHED', jsonb_build_object('roomSeconds', greatest (v_room, 0)));
    end if;
    perform
      vp_fail ('INSUFFICIENT_CREDITS', jsonb_build_object('roomSeconds', greatest (v_room, 0)));
  end if;
  return v_room;
end
$$;

CREATE FUNCTION public.vp_close_canceled_periods(p_user uuid, p_expire_now boolean, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_out jsonb := '[]';
  r record;
begin
  perform
    vp_lock_user (p_user, v_now);
  for r in
  select
    up.id
  from
    usage_periods up
    join memberships ms on ms.id = up.membership_id
  where
    up.user_id = p_user
    and up.status = 'OPEN'
    and ms.status = 'CANCELED'
  order by
    up.period_start loop
      v_out := v_out || jsonb_build_array(vp_close_period (r.id, case when p_expire_now then
            'EXPIRE_PLAN_SECONDS'
          else
            'KEEP_PLAN_SECONDS'
          end, v_now));
    end loop;
  return v_out;
end
$$;

CREATE FUNCTION public.vp_close_period(p_period uuid, p_early text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  p usage_periods;
  b credit_balances;
  ms memberships;
  pl plans;
  v_unused bigint := 0;
  v_rollover bigint;
  v_next_end timestamptz;
begin
  x := vp_lock_row (null::usage_periods, p_period, v_now);
  p := x.r;
  b := x.b;
  if p.status = 'CLOSED' then
    return vp_period_close_json (p, b);
  end if;
  select
    * into ms
  from
    memberships
  where
    id = p.membership_id;
  if p.period_end > v_now and (p_early is null or ms.status <> 'CANCELED') then
    perform
      vp_fail ('PERIOD_NOT_ENDED', jsonb_build_object('periodEnd', p.period_end));
  end if;
  select
    * into pl
  from
    plans
  where
    code = p.plan_code;
  if p.period_end > v_now then
    if p_early = 'EXPIRE_PLAN_SECONDS' then
      x := vp_expire_grants (b, array (
          select
            id
          from credit_grants
          where
            user_id = p.user_id
            and period_id = p.id
            and source = 'PLAN'), 'Included minutes expired: membership ended', jsonb_build_object('periodId', p.id), v_now);
      if (x.e).id is not null then
        b := vp_save_balance (x.b, v_now);
      end if;
      v_unused := vp_period_expired_seconds (p.id);
    end if;
    return vp_mark_period_closed (p, ms, pl, b, v_unused, 0, v_now);
  end if;
  v_unused := vp_period_expired_seconds (p.id);
  -- the rollover is capped by the room left under the largest balance: what does not fit expires
  v_rollover := least (v_unused, pl.rollover_max_seconds, greatest (vp_balance_seconds_max () - b.balance_seconds, 0));
  if v_rollover > 0 then
    v_next_end := case when ms.current_period_end > p.period_end then
      ms.current_period_end
    else
      p.period_end + (p.period_end - p.period_start)
    end;
    if v_next_end > v_now then
      x := vp_insert_grant (b, 'ROLLOVER', v_rollover, v_next_end, p.id::text, '~rollover:' || p.id::text,
	'Rollover of unused included minutes', jsonb_build_object('fromPeriod', p.id), null, null, v_now);
      b := vp_save_balance (x.b, v_now);
    else
      v_rollover := 0;
    end if;
  end if;
  return vp_mark_period_closed (p, ms, pl, b, v_unused, v_rollover, v_now);
end
$$;

CREATE FUNCTION public.vp_commit_reservation(p_reservation uuid, p_used_seconds bigint, p_description text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE sql
    AS $$
  select
    vp_end_reservation (p_reservation, p_used_seconds, p_description, p_now);
$$;

CREATE FUNCTION public.vp_consume(p_user uuid, p_seconds bigint, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_lineage jsonb;
  v_taken bigint;
begin
  -- Fast path: the first grant in consumption order covers it all (the usual case).
  with first as (
    select
      id
    from
      vp_grants_left (p_user, p_now, true)
    order by
      expires_at asc nulls last,
      created_at,
      id
    limit 1)
update
  credit_grants g
set
  remaining_seconds = g.remaining_seconds - p_seconds
from
  first
where
  g.id = first.id
    and g.remaining_seconds >= p_seconds
  returning
    jsonb_build_array(jsonb_build_object('grantId', g.id, 'seconds', p_seconds)) into v_lineage;
  if v_lineage is not null then
    return v_lineage;
  end if;
  with ordered as (
    select
      id,
      remaining_seconds,
      expires_at,
      created_at,
      sum(remaining_seconds) over (order by expires_at asc nulls last,
        created_at,
        id) as cum
    from
      vp_grants_left (p_user, p_now, true)
),
take as (
  select
    id,
    least (remaining_seconds, p_seconds - (cum - remaining_seconds)) as seconds,
    cum
  from
    ordered
  where
    cum - remaining_seconds < p_seconds
),
upd as (
  update
    credit_grants g
  set
    remaining_seconds = g.remaining_seconds - t.seconds
  from
    take t
  where
    g.id = t.id
  returning
    g.id,
    t.seconds,
    t.cum
)
select
  coalesce(sum(seconds), 0),
  jsonb_agg(jsonb_build_object('grantId', id, 'seconds', seconds)
  order by cum) into v_taken,
  v_lineage
from
  upd;
  if v_taken <> p_seconds then
    raise exception 'vp_consume: took % of % seconds for user %', v_taken, p_seconds, p_user;
  end if;
  return v_lineage;
end
$$;

CREATE FUNCTION public.vp_due(p_user uuid, p_reserved bigint, p_now timestamp with time zone) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
begin
  return (p_reserved > 0
    and exists (
      select
        1
      from
        reservations
      where
        user_id = p_user
        and status = 'ACTIVE'
        and expires_at <= p_now))
    or exists (
      select
        1
      from
        vp_grants_left (p_user, p_now, false));
end
$$;

CREATE FUNCTION public.vp_end_reservation(p_reservation uuid, p_used_seconds bigint, p_description text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_status text := case when p_used_seconds is null then
    'RELEASED'
  else
    'COMMITTED'
  end;
  b credit_balances;
  r reservations;
  c vp_usage_ctx;
  v_billed bigint;
  v_result jsonb := '{}'::jsonb;
begin
  x := vp_lock_row (null::reservations, p_reservation, v_now);
  b := x.b;
  r := x.r;
  if r.status = 'RELEASED' and v_status = 'RELEASED' then
    return jsonb_build_object('reservation', vp_reservation_json (r), 'balance', vp_balance_json (b));
  end if;
  if r.status = 'COMMITTED' and r.used_seconds = p_used_seconds then
    return r.commit_response;
    -- a replay of the same commit
  end if;
  perform
    vp_require_active (r);
  if v_status = 'COMMITTED' then
    c := vp_usage_context (r.user_id, null, v_now);
    v_billed := vp_round_up (p_used_seconds, c.increment_seconds);
    x := vp_apply_usage (r.user_id, b.balance_seconds, b.last_sequence, b.last_hash, c, p_used_seconds, v_billed,
      '~commit:' || r.id::text, null, p_description, null, r.id, v_now);
    b.balance_seconds := x.o_balance;
    b.last_sequence := x.o_sequence;
    b.last_hash := x.o_hash;
    v_result := x.o_result;
  end if;
  b.reserved_seconds := b.reserved_seconds - r.reserved_seconds;
  b := vp_save_balance (b, v_now);
  update
    reservations
  set
    status = v_status,
    used_seconds = p_used_seconds,
    billed_seconds = v_billed,
    finished_at = v_now,
    updated_at = v_now,
    usage_record_id = (v_result ->> 'usageRecordId')::uuid
  where
    id = r.id
  returning
    * into r;
  v_result := v_result || jsonb_build_object('reservation', vp_reservation_json (r), 'balance', vp_balance_json (b));
  if v_status = 'COMMITTED' then
    update
      reservations
    set
      commit_response = v_result - 'alerts'
    where
      id = r.id;
    -- a replay raises no alert again
  end if;
  return v_result;
end
$$;

CREATE FUNCTION public.vp_entry_hash(p_prev text, p_id uuid, p_user uuid, p_seq bigint, p_type text, p_amount bigint, p_balance_after bigint, p_description text, p_metadata jsonb, p_reference text, p_key text, p_created_at timestamp with time zone) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$
declare
  v_meta text := p_metadata::text;
  v_ms text := ((extract(epoch from p_created_at) * 1000)::bigint)::text;
begin
  -- vp_field inlined: this runs once per ledger entry on the hot path
  return encode(sha256 (convert_to(p_prev || '36:' || p_id::text || '36:' || p_user::text ||
    octet_length(p_seq::text) || ':' || p_seq::text || octet_length(p_type) || ':' || p_type ||
    octet_length(p_amount::text) || ':' || p_amount::text || octet_length(p_balance_after::text) ||
    ':' || p_balance_after::text || case when p_description is null then
          '~'
        else
          octet_length(p_description) || ':' || p_description
        end || case when v_meta is null then
          '~'
        else
          octet_length(v_meta) || ':' || v_meta
        end || case when p_reference is null then
          '~'
        else
          octet_length(p_reference) || ':' || p_reference
        end || case when p_key is null then
          '~'
        else
          octet_length(p_key) || ':' || p_key
        end || octet_length(v_ms) || ':' || v_ms, 'UTF8')), 'hex');
end
$$;

CREATE FUNCTION public.vp_entry_json(e public.ledger_entries) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return jsonb_build_object('id', e.id, 'userId', e.user_id, 'sequence', e.sequence,
    'type', e.type, 'amountSeconds', e.amount_seconds, 'balanceAfterSeconds', e.balance_after_seconds, 'description',
    e.description, 'metadata', e.metadata, 'reference', e.reference, 'idempotencyKey', e.idempotency_key,
    'createdAt', e.created_at, 'hash', e.hash);
end
$$;

CREATE FUNCTION public.vp_expire_grants(INOUT b public.credit_balances, p_grants uuid[], p_description text, p_metadata jsonb, p_now timestamp with time zone, OUT e public.ledger_entries) RETURNS record
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_expired bigint;
  v_detail jsonb;
begin
  select
    coalesce(sum(remaining_seconds), 0),
    jsonb_agg(jsonb_build_object('grantId', id, 'seconds', remaining_seconds)
    order by expires_at, id) into v_expired,
    v_detail
  from
    credit_grants
  where
    id = any (p_grants)
    and remaining_seconds > 0;
  if v_expired > 0 then
    x := vp_append (b, 'EXPIRY', - v_expired, p_description, jsonb_build_object('grants', v_detail) ||
      coalesce(p_metadata, '{}'), null, null, p_now);
    b := x.b;
    e := x.e;
    update
      credit_grants
    set
      expired_seconds = remaining_seconds,
      remaining_seconds = 0,
      expired_at = p_now
    where
      id = any (p_grants)
      and remaining_seconds > 0;
  end if;
end
$$;

CREATE FUNCTION public.vp_expire_unpaid_renewal(p_grant uuid, p_subscription text, p_invoice text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_key text := '~unpaid-renewal:' || p_grant::text;
  v_fingerprint text := 'expireUnpaidRenewal|' || coalesce(p_subscription, '');
  g credit_grants;
  b credit_balances;
  e ledger_entries;
  v_left bigint := 0;
  v_used bigint;
begin
  select
    * into g
  from
    credit_grants
  where
    id = p_grant;
  if not found or g.source <> 'PLAN' then
    perform
      vp_fail ('INVALID_ARGUMENT', jsonb_build_object('field', 'grantId'));
  end if;
  x := vp_begin (g.user_id, v_key, v_fingerprint, v_now);
  -- locks the user, settles what is due
  b := x.b;
  if x.replay is not null then
    return x.replay;
  end if;
  select
    * into g
  from
    credit_grants
  where
    id = p_grant;
  v_used := g.granted_seconds - g.remaining_seconds - coalesce(g.expired_seconds, 0);
  if g.awaiting_payment is distinct from true then
    -- paid (or never a renewal granted ahead of its payment): nothing to withdraw, nothing stored
    return jsonb_build_object('grantId', g.id, 'userId', g.user_id, 'confirmed', true, 'expiredSeconds', 0,
      'usedSeconds', v_used, 'transaction', null, 'balance', vp_balance_json (b));
  end if;
  v_left := g.remaining_seconds;
  if v_left > 0 then
    x := vp_append (b, 'EXPIRY', - v_left, 'Unpaid renewal: remaining included minutes expired', jsonb_build_object('reason', 'UNPAID_RENEWAL',
      'grants', jsonb_build_array(jsonb_build_object('grantId', g.id, 'seconds', v_left)),
      'subscription', p_subscription, 'invoice', p_invoice, 'usedSeconds', v_used), g.reference, v_key,
      v_now);
    b := x.b;
    e := x.e;
    update
      credit_grants
    set
      expired_seconds = v_left,
      remaining_seconds = 0,
      expired_at = v_now
    where
      id = g.id;
    b := vp_save_balance (b, v_now);
  elsif g.expired_at is null then
    update
      credit_grants
    set
      expired_seconds = 0,
      expired_at = v_now
    where
      id = g.id;
  end if;
  return vp_keyed_answer (b, v_key, 'expireUnpaidRenewal', v_fingerprint, jsonb_build_object('grantId', g.id,
    'userId', g.user_id, 'confirmed', false, 'expiredSeconds', v_left, 'usedSeconds', v_used,
    'invoice', p_invoice, 'transaction', case when e.id is null then
        null
      else
        vp_entry_json (e)
      end), v_now);
end
$$;

CREATE FUNCTION public.vp_extend_reservation(p_reservation uuid, p_seconds bigint, p_ttl_seconds integer, p_key text, p_fingerprint text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  r reservations;
  c vp_usage_ctx;
  v_room bigint;
  v_add bigint := 0;
  v_result jsonb;
begin
  if p_key is null then
    perform
      vp_fail ('INVALID_IDEMPOTENCY_KEY', jsonb_build_object('field', 'idempotencyKey'));
  end if;
  x := vp_lock_row (null::reservations, p_reservation, v_now);
  b := x.b;
  r := x.r;
  v_result := vp_idem_get (r.user_id, p_key, p_fingerprint);
  if v_result is not null then
    return v_result;
  end if;
  perform
    vp_require_active (r);
  if p_seconds > 0 then
    c := vp_usage_context (r.user_id, null, v_now);
    v_add := vp_round_up (p_seconds, c.increment_seconds);
    v_room := vp_check_room (b, c, v_add);
  else
    v_room := 0;
  end if;
  update
    reservations
  set
    reserved_seconds = reserved_seconds + v_add,
    allowed_seconds = greatest (allowed_seconds, reserved_seconds + v_room),
    ttl_seconds = p_ttl_seconds,
    expires_at = v_now + make_interval(secs => p_ttl_seconds),
    updated_at = v_now
  where
    id = p_reservation
  returning
    * into r;
  return vp_hold_answer (b, r, v_add, p_key, 'extendReservation', p_fingerprint, v_now);
end
$$;

CREATE FUNCTION public.vp_fail(p_code text, p_detail jsonb DEFAULT NULL::jsonb) RETURNS void
    LANGUAGE plpgsql
    AS $$
begin
  raise exception
    using errcode = 'VPB01', message = p_code, detail = coalesce(p_detail::text, '');
end
$$;

CREATE FUNCTION public.vp_first_local_day(p_at timestamp with time zone, p_tz text) RETURNS date
    LANGUAGE sql IMMUTABLE
    AS $$
  select
    case when not isfinite(p_at) then
      (p_at at time zone p_tz)::date
    else
      (p_at at time zone p_tz)::date + case when (p_at at time zone p_tz)::time > time '00:00' then
        1
      else
        0
    end
    end
$$;

CREATE FUNCTION public.vp_fold_into(p_records uuid[], p_table text, p_period text, p_unit text) RETURNS bigint
    LANGUAGE plpgsql
    AS $_$
declare
  v_measures text[] := array['calls', 'used_seconds', 'billed_seconds', 'credit_seconds', 'overage_seconds',
    'over_cap_seconds', 'uncovered_seconds', 'overage_cost_sixtieth_cents'];
  v_rows bigint;
begin
  execute format('insert into %1$I as t (user_id, %2$I, plan_code, %4$s) '
    'select r.user_id, date_trunc(%3$L, r.occurred_at at time zone coalesce(u.time_zone, ''Europe/Berlin''))::date, '
    'coalesce(up.plan_code, ms.plan_code, ''NONE''), count(*), sum(r.used_seconds), sum(r.billed_seconds), '
    'sum(r.credit_seconds), sum(r.overage_seconds), sum(r.over_cap_seconds), sum(r.uncovered_seconds), '
    'sum((r.overage_seconds - r.over_cap_seconds) * coalesce(up.overage_cents_per_minute, 0)) '
    'from usage_records r left join users u on u.id = r.user_id '
    'left join usage_periods up on up.id = r.period_id left join memberships ms on ms.user_id = r.user_id '
    'where r.id = any ($1) group by 1, 2, 3 '
    'on conflict (user_id, %2$I, plan_code) do update set %5$s', p_table, p_period, p_unit, array_to_string(v_measures, ', '), (
      select
        string_agg(format('%1$I = t.%1$I + excluded.%1$I', m), ', ')
      from unnest(v_measures) m))
  using p_records;
  get diagnostics v_rows = row_count;
  return v_rows;
end
$_$;

CREATE FUNCTION public.vp_fold_usage(p_records uuid[]) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
begin
  perform
    vp_fold_into (p_records, 'usage_monthly', 'month', 'month');
  return vp_fold_into (p_records, 'usage_daily', 'day', 'day');
end
$$;

CREATE FUNCTION public.vp_grant(p_user uuid, p_source text, p_seconds bigint, p_expires_at timestamp with time zone, p_reference text, p_key text, p_fingerprint text, p_description text, p_metadata jsonb, p_period uuid, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
begin
  x := vp_begin (p_user, p_key, p_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  if p_expires_at is not null and p_expires_at <= v_now then
    perform
      vp_fail ('INVALID_EXPIRY');
  end if;
  x := vp_insert_grant (x.b, p_source, p_seconds, p_expires_at, p_reference, p_key, p_description, p_metadata, p_period, null, v_now);
  return vp_keyed_answer (vp_save_balance (x.b, v_now), p_key, 'grant:' || p_source, p_fingerprint,
    jsonb_build_object('grant', vp_grant_json (x.g), 'transaction', vp_entry_json (x.e)), v_now);
end
$$;

CREATE TABLE public.credit_grants (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    source text NOT NULL,
    granted_seconds bigint NOT NULL,
    remaining_seconds bigint NOT NULL,
    expires_at timestamp with time zone,
    reference text,
    idempotency_key text NOT NULL,
    period_id uuid,
    entry_id uuid NOT NULL,
    refund_of_entry_id uuid,
    created_at timestamp with time zone NOT NULL,
    expired_at timestamp with time zone,
    expired_seconds bigint,
    awaiting_payment boolean,
    CONSTRAINT credit_grants_check CHECK (((remaining_seconds >= 0) AND (remaining_seconds <= granted_seconds))),
    CONSTRAINT credit_grants_check1 CHECK (((expired_seconds IS NULL) OR (expired_seconds <= granted_seconds))),
    CONSTRAINT credit_grants_expired_seconds_check CHECK ((expired_seconds >= 0)),
    CONSTRAINT credit_grants_granted_seconds_check CHECK ((granted_seconds > 0)),
    CONSTRAINT credit_grants_source_check CHECK ((source = ANY (ARRAY['PLAN'::text, 'ROLLOVER'::text, 'PURCHASE'::text, 'BONUS'::text, 'REFUND'::text, 'ADJUSTMENT'::text])))
)
WITH (fillfactor='70');

CREATE FUNCTION public.vp_grant_json(g public.credit_grants) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return jsonb_build_object('id', g.id, 'source', g.source, 'grantedSeconds', g.granted_seconds,
    'remainingSeconds', g.remaining_seconds, 'expiresAt', g.expires_at, 'reference', g.reference, 'periodId',
    g.period_id, 'createdAt', g.created_at);
end
$$;

CREATE FUNCTION public.vp_grant_plan(p_user uuid, p_subscription text, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_plan text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_key text := '~plan:' || p_subscription || ':' || ((extract(epoch from p_period_start) * 1000)::bigint)::text;
  v_fingerprint text := 'grantPlan|' || p_plan || '|' || ((extract(epoch from p_period_end) * 1000)::bigint)::text;
begin
  x := vp_begin (p_user, v_key, v_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  x := vp_plan_period (p_user, p_plan, p_period_start, p_period_end, v_now);
  return vp_grant (p_user, 'PLAN', (x.pl).included_seconds, p_period_end, p_subscription, v_key, v_fingerprint,
    (x.pl).name || ' plan: included minutes', jsonb_build_object('planCode', (x.pl).code, 'periodStart', p_period_start,
    'periodEnd', p_period_end), x.period_id, v_now);
end
$$;

CREATE FUNCTION public.vp_grant_upgrade(p_user uuid, p_subscription text, p_invoice text, p_period_end timestamp with time zone, p_from text, p_to text, p_changed_at timestamp with time zone, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  v_key text := '~upgrade:' || p_invoice;
  v_fingerprint text := 'grantUpgrade|' || p_from || '|' || p_to || '|' || ((extract(epoch from
    p_period_end) * 1000)::bigint)::text;
begin
  x := vp_begin (p_user, v_key, v_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  x := vp_upgrade_period (p_user, p_period_end, p_from, p_to, p_changed_at, v_now);
  if x.v_seconds <= 0 then
    return jsonb_build_object('grant', null, 'grantedSeconds', 0);
  end if;
  return vp_grant (p_user, 'PLAN', x.v_seconds, (x.up).period_end, p_invoice, v_key, v_fingerprint,
    'Upgrade to ' || (x.t).name || ': included minutes for the rest of the period', jsonb_build_object('planCode', (x.t).code, 'fromPlanCode',
    (x.f).code, 'changedAt', x.v_at, 'periodStart', (x.up).period_start, 'periodEnd', (x.up).period_end,
    'invoice', p_invoice, 'subscription', p_subscription), (x.up).id, v_now);
end
$$;

CREATE FUNCTION public.vp_grants_left(p_user uuid, p_now timestamp with time zone, p_live boolean) RETURNS SETOF public.credit_grants
    LANGUAGE sql STABLE
    AS $$
  select
    *
  from
    credit_grants
  where
    user_id = p_user
    and remaining_seconds > 0
    and (expires_at is null
      or expires_at > p_now) = p_live;
$$;

CREATE TABLE public.reservations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    status text NOT NULL,
    reserved_seconds bigint NOT NULL,
    allowed_seconds bigint NOT NULL,
    idempotency_key text NOT NULL,
    request_fingerprint text NOT NULL,
    ttl_seconds integer NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone,
    used_seconds bigint,
    billed_seconds bigint,
    usage_record_id uuid,
    commit_response jsonb,
    CONSTRAINT reservations_billed_seconds_check CHECK ((billed_seconds >= 0)),
    CONSTRAINT reservations_check CHECK ((reserved_seconds <= allowed_seconds)),
    CONSTRAINT reservations_check1 CHECK (((status = 'COMMITTED'::text) = (used_seconds IS NOT NULL))),
    CONSTRAINT reservations_reserved_seconds_check CHECK ((reserved_seconds > 0)),
    CONSTRAINT reservations_status_check CHECK ((status = ANY (ARRAY['ACTIVE'::text, 'COMMITTED'::text, 'RELEASED'::text, 'EXPIRED'::text]))),
    CONSTRAINT reservations_ttl_seconds_check CHECK ((ttl_seconds > 0)),
    CONSTRAINT reservations_used_seconds_check CHECK ((used_seconds >= 0))
);

CREATE FUNCTION public.vp_hold_answer(b public.credit_balances, r public.reservations, p_added bigint, p_key text, p_operation text, p_fingerprint text, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
begin
  b.reserved_seconds := b.reserved_seconds + p_added;
  return vp_keyed_answer (vp_save_balance (b, p_now), p_key, p_operation, p_fingerprint,
    jsonb_build_object('reservation', vp_reservation_json (r)), p_now);
end
$$;

CREATE FUNCTION public.vp_idem_answer(p_operation text, p_stored_fingerprint text, p_response jsonb, p_fingerprint text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
begin
  if p_stored_fingerprint <> p_fingerprint then
    perform
      vp_fail ('IDEMPOTENCY_KEY_REUSED', jsonb_build_object('operation', p_operation));
  end if;
  if p_response ? 'transactionRef' then
    -- ledger rows never change, so the answer rebuilt from the row is the original answer
    return (p_response - 'transactionRef') || jsonb_build_object('transaction', (
        select
          vp_entry_json (e)
        from ledger_entries e
        where
          e.id = (p_response ->> 'transactionRef')::uuid));
  end if;
  return p_response;
end
$$;

CREATE FUNCTION public.vp_idem_get(p_user uuid, p_key text, p_fingerprint text) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  r idempotency_records;
begin
  select
    * into r
  from
    idempotency_records
  where
    user_id = p_user
    and key = p_key;
  if not found then
    return null;
  end if;
  return vp_idem_answer (r.operation, r.request_fingerprint, r.response, p_fingerprint);
end
$$;

CREATE FUNCTION public.vp_idem_put(p_user uuid, p_key text, p_operation text, p_fingerprint text, p_response jsonb, p_now timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$
begin
  insert into idempotency_records (user_id, key, operation, request_fingerprint, response, created_at)
    values (p_user, p_key, p_operation, p_fingerprint, case when jsonb_typeof(p_response -> 'transaction') = 'object' then
        (p_response - 'transaction') || jsonb_build_object('transactionRef', p_response -> 'transaction' -> 'id')
      else
        p_response
      end, p_now);
end
$$;

CREATE FUNCTION public.vp_insert_entry(p_user uuid, p_prev_sequence bigint, p_prev_hash text, p_prev_balance bigint, p_type text, p_amount bigint, p_description text, p_metadata jsonb, p_reference text, p_key text, p_now timestamp with time zone) RETURNS public.ledger_entries
    LANGUAGE plpgsql
    AS $$
declare
  v_id uuid := vp_uuid7 ();
  v_created timestamptz := date_trunc('milliseconds', p_now);
  e ledger_entries;
begin
  insert into ledger_entries (id, user_id, sequence,
    type,
    amount_seconds,
    balance_after_seconds,
    description,
    metadata,
    reference,
    idempotency_key,
    created_at,
    hash)
values (v_id,
  p_user,
  p_prev_sequence + 1,
  p_type,
  p_amount,
  p_prev_balance + p_amount,
  p_description,
  p_metadata,
  p_reference,
  p_key,
  v_created,
  vp_entry_hash (p_prev_hash, v_id, p_user, p_prev_sequence + 1, p_type, p_amount, p_prev_balance + p_amount,
    p_description, p_metadata, p_reference, p_key, v_created))
returning
  * into e;
  return e;
end
$$;

CREATE FUNCTION public.vp_insert_grant(INOUT b public.credit_balances, p_source text, p_seconds bigint, p_expires_at timestamp with time zone, p_reference text, p_key text, p_description text, p_metadata jsonb, p_period uuid, p_refund_of uuid, p_now timestamp with time zone, OUT g public.credit_grants, OUT e public.ledger_entries) RETURNS record
    LANGUAGE plpgsql
    AS $$
declare
  x record;
begin
  x := vp_append (b, case p_source
    when 'PLAN' then
      'PLAN_GRANT'
    when 'ADJUSTMENT' then
      'ADJUSTMENT'
    else
      p_source
    end, p_seconds, p_description, p_metadata, p_reference, p_key, p_now);
  b := x.b;
  e := x.e;
  insert into credit_grants (user_id, source, granted_seconds, remaining_seconds, expires_at, reference,
    idempotency_key, period_id, entry_id, refund_of_entry_id, created_at)
    values (b.user_id, p_source, p_seconds, p_seconds, p_expires_at, p_reference, p_key, p_period, e.id, p_refund_of, e.created_at)
  returning
    * into g;
end
$$;

CREATE FUNCTION public.vp_keyed_answer(b public.credit_balances, p_key text, p_operation text, p_fingerprint text, p_answer jsonb, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_result jsonb := p_answer || jsonb_build_object('balance', vp_balance_json (b));
begin
  perform
    vp_idem_put (b.user_id, p_key, p_operation, p_fingerprint, v_result, p_now);
  return v_result;
end
$$;

CREATE FUNCTION public.vp_ledger_immutable() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  raise exception 'ledger_entries is append-only: % refused', tg_op
    using errcode = 'VPB02';
end
$$;

CREATE FUNCTION public.vp_lock_head(p_user uuid) RETURNS public.credit_balances
    LANGUAGE plpgsql
    AS $$
declare
  b credit_balances;
begin
  select
    * into b
  from
    credit_balances
  where
    user_id = p_user
  for update;
  if not found then
    perform
      vp_fail ('USER_NOT_FOUND');
  end if;
  return b;
end
$$;

CREATE FUNCTION public.vp_lock_row(p_type anyelement, p_id uuid, p_now timestamp with time zone, OUT b public.credit_balances, OUT r anyelement) RETURNS record
    LANGUAGE plpgsql
    AS $_$
declare
  v_table text := pg_typeof(p_type)::text;
  v_user uuid;
begin
  execute format('select user_id from %s where id = $1', v_table) into v_user
  using p_id;
  if v_user is null then
    if v_table = 'usage_periods' then
      perform
        vp_fail ('PERIOD_NOT_FOUND');
    end if;
    perform
      vp_fail ('RESERVATION_NOT_FOUND');
  end if;
  b := vp_lock_user (v_user, p_now);
  execute format('select * from %s where id = $1', v_table) into r
  using p_id;
end
$_$;

CREATE FUNCTION public.vp_lock_user(p_user uuid, p_now timestamp with time zone) RETURNS public.credit_balances
    LANGUAGE plpgsql
    AS $$
declare
  b credit_balances := vp_lock_head (p_user);
begin
  if vp_due (p_user, b.reserved_seconds, p_now) then
    b := vp_settle (b, p_now);
  end if;
  return b;
end
$$;

CREATE TABLE public.memberships (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    plan_code text NOT NULL,
    status text NOT NULL,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    cancel_at_period_end boolean DEFAULT false NOT NULL,
    overage_limit_cents bigint,
    stripe_customer_id text,
    stripe_subscription_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    stripe_event_at timestamp with time zone,
    scheduled_plan_code text,
    scheduled_change_at timestamp with time zone,
    reconciled_at timestamp with time zone,
    CONSTRAINT memberships_check CHECK (((current_period_start IS NULL) = (current_period_end IS NULL))),
    CONSTRAINT memberships_check1 CHECK ((current_period_end > current_period_start)),
    CONSTRAINT memberships_overage_limit_cents_check CHECK ((overage_limit_cents >= 0)),
    CONSTRAINT memberships_status_check CHECK ((status = ANY (ARRAY['INCOMPLETE'::text, 'TRIALING'::text, 'ACTIVE'::text, 'PAST_DUE'::text, 'CANCELED'::text, 'UNPAID'::text])))
);

CREATE TABLE public.plans (
    code text NOT NULL,
    name text NOT NULL,
    price_cents bigint NOT NULL,
    currency character(3) DEFAULT 'EUR'::bpchar NOT NULL,
    included_seconds bigint NOT NULL,
    overage_cents_per_minute bigint NOT NULL,
    usage_increment_seconds integer DEFAULT 1 NOT NULL,
    rollover_max_seconds bigint DEFAULT 0 NOT NULL,
    support text NOT NULL,
    analytics text NOT NULL,
    features text[] NOT NULL,
    sort_order integer NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT plans_code_check CHECK ((code = ANY (ARRAY['STARTER'::text, 'BUSINESS'::text, 'ENTERPRISE'::text]))),
    CONSTRAINT plans_included_seconds_check CHECK ((included_seconds >= 0)),
    CONSTRAINT plans_overage_cents_per_minute_check CHECK ((overage_cents_per_minute > 0)),
    CONSTRAINT plans_price_cents_check CHECK ((price_cents >= 0)),
    CONSTRAINT plans_rollover_max_seconds_check CHECK ((rollover_max_seconds >= 0)),
    CONSTRAINT plans_usage_increment_seconds_check CHECK (((usage_increment_seconds >= 1) AND (usage_increment_seconds <= 3600)))
);

CREATE TABLE public.usage_periods (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    membership_id uuid NOT NULL,
    plan_code text NOT NULL,
    period_start timestamp with time zone NOT NULL,
    period_end timestamp with time zone NOT NULL,
    included_seconds bigint NOT NULL,
    used_seconds bigint DEFAULT 0 NOT NULL,
    overage_seconds bigint DEFAULT 0 NOT NULL,
    over_cap_seconds bigint DEFAULT 0 NOT NULL,
    overage_cents_per_minute bigint NOT NULL,
    status text DEFAULT 'OPEN'::text NOT NULL,
    expired_seconds bigint,
    rollover_seconds bigint,
    overage_limit_cents bigint,
    overage_cents bigint,
    currency character(3) DEFAULT 'EUR'::bpchar NOT NULL,
    closed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT usage_periods_check CHECK (((over_cap_seconds >= 0) AND (over_cap_seconds <= overage_seconds))),
    CONSTRAINT usage_periods_check1 CHECK ((period_end > period_start)),
    CONSTRAINT usage_periods_check2 CHECK (((status = 'CLOSED'::text) = ((closed_at IS NOT NULL) AND (overage_cents IS NOT NULL)))),
    CONSTRAINT usage_periods_expired_seconds_check CHECK ((expired_seconds >= 0)),
    CONSTRAINT usage_periods_included_seconds_check CHECK ((included_seconds >= 0)),
    CONSTRAINT usage_periods_overage_cents_check CHECK ((overage_cents >= 0)),
    CONSTRAINT usage_periods_overage_cents_per_minute_check CHECK ((overage_cents_per_minute > 0)),
    CONSTRAINT usage_periods_overage_limit_cents_check CHECK ((overage_limit_cents >= 0)),
    CONSTRAINT usage_periods_overage_seconds_check CHECK ((overage_seconds >= 0)),
    CONSTRAINT usage_periods_rollover_seconds_check CHECK ((rollover_seconds >= 0)),
    CONSTRAINT usage_periods_status_check CHECK ((status = ANY (ARRAY['OPEN'::text, 'CLOSED'::text]))),
    CONSTRAINT usage_periods_used_seconds_check CHECK ((used_seconds >= 0))
);

CREATE FUNCTION public.vp_mark_period_closed(p public.usage_periods, ms public.memberships, pl public.plans, b public.credit_balances, p_expired bigint, p_rollover bigint, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_limit bigint := coalesce(p.overage_limit_cents, ms.overage_limit_cents, pl.price_cents);
begin
  update
    usage_periods
  set
    status = 'CLOSED',
    closed_at = p_now,
    expired_seconds = p_expired,
    rollover_seconds = p_rollover,
    overage_limit_cents = v_limit,
    overage_cents = least (vp_overage_cents (p.overage_seconds, p.overage_cents_per_minute), v_limit)
  where
    id = p.id
  returning
    * into p;
  return vp_period_close_json (p, b);
end
$$;

CREATE FUNCTION public.vp_membership_history() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
$$;

CREATE FUNCTION public.vp_notify_changes() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
$$;

CREATE FUNCTION public.vp_overage_cents(p_seconds bigint, p_cents_per_minute bigint) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select
    (p_seconds * p_cents_per_minute * 2 + 60) / 120
$$;

CREATE FUNCTION public.vp_overage_max_seconds(p_limit_cents bigint, p_rate bigint) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return case when p_limit_cents <= 0 then
    0::bigint
  else
    ((2 * p_limit_cents + 1) * 30 + p_rate - 1) / p_rate - 1
  end;
end
$$;

CREATE FUNCTION public.vp_period_close_json(p public.usage_periods, b public.credit_balances) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return jsonb_build_object('periodId', p.id, 'userId', p.user_id, 'expiredSeconds', p.expired_seconds,
    'rolloverSeconds', p.rollover_seconds, 'overageSeconds', p.overage_seconds, 'overageCents', p.overage_cents,
    'overCapSeconds', p.over_cap_seconds, 'periodStart', p.period_start, 'periodEnd', p.period_end, 'balance',
    vp_balance_json (b));
end
$$;

CREATE FUNCTION public.vp_period_expired_seconds(p_period uuid) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
  select
    coalesce(sum(expired_seconds), 0)
  from
    credit_grants
  where
    period_id = p_period
    and source = 'PLAN';
$$;

CREATE FUNCTION public.vp_plan(p_code text) RETURNS public.plans
    LANGUAGE plpgsql
    AS $$
declare
  pl plans;
begin
  select
    * into pl
  from
    plans
  where
    code = p_code;
  if not found then
    perform
      vp_fail ('PLAN_NOT_FOUND');
  end if;
  return pl;
end
$$;

CREATE FUNCTION public.vp_plan_period(p_user uuid, p_plan text, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_now timestamp with time zone, OUT pl public.plans, OUT period_id uuid) RETURNS record
    LANGUAGE plpgsql
    AS $$
declare
  m memberships;
begin
  select
    * into m
  from
    memberships
  where
    user_id = p_user;
  if not found then
    perform
      vp_fail ('MEMBERSHIP_NOT_FOUND');
  end if;
  pl := vp_plan (p_plan);
  if p_period_end <= p_now then
    perform
      vp_fail ('INVALID_PERIOD');
  end if;
  insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds, overage_cents_per_minute)
    values (p_user, m.id, pl.code, p_period_start, p_period_end, pl.included_seconds, pl.overage_cents_per_minute)
  on conflict (user_id, period_start)
    do update set
      included_seconds = greatest (usage_periods.included_seconds, excluded.included_seconds)
    returning
      id into period_id;
end
$$;

CREATE FUNCTION public.vp_read_balance(p_user uuid, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances := (
    select
      h
    from
      credit_balances h
    where
      h.user_id = p_user);
begin
  if b.user_id is null then
    perform
      vp_fail ('USER_NOT_FOUND');
  end if;
  if vp_due (p_user, b.reserved_seconds, v_now) then
    b := vp_lock_user (p_user, v_now);
  end if;
  return vp_balance_json (b);
end
$$;

CREATE FUNCTION public.vp_rebuild_user_usage_rollup(p_user uuid) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
declare
  v_last uuid;
begin
  perform
    pg_advisory_xact_lock(7215550001);
  select
    last_id into v_last
  from
    usage_rollup_state
  where
    id = 1;
  delete from usage_daily
  where user_id = p_user;
  delete from usage_monthly
  where user_id = p_user;
  return vp_fold_usage (array (
      select
        id
      from usage_records
      where
        user_id = p_user
        and id <= v_last));
end
$$;

CREATE FUNCTION public.vp_record_usage(p_user uuid, p_seconds bigint, p_key text, p_fingerprint text, p_call_id text, p_occurred_at timestamp with time zone, p_description text, p_now timestamp with time zone, p_backdate_max_seconds integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  c vp_usage_ctx;
  u record;
  v_billed bigint;
  v_room bigint;
  v_result jsonb;
begin
  b := vp_lock_head (p_user);
  c := vp_usage_context (p_user, p_key, v_now);
  if c.due then
    b := vp_settle (b, v_now);
  end if;
  if c.idem_fingerprint is not null then
    return vp_idem_answer (c.idem_operation, c.idem_fingerprint, c.idem_response, p_fingerprint);
  end if;
  if p_occurred_at is not null and (p_occurred_at < v_now - make_interval(secs => p_backdate_max_seconds) or
    p_occurred_at > v_now + interval '1 minute') then
    perform
      vp_fail ('INVALID_ARGUMENT', jsonb_build_object('field', 'occurredAt'));
  end if;
  v_billed := ((p_seconds + c.increment_seconds - 1) / c.increment_seconds) * c.increment_seconds;
  v_room := b.balance_seconds - b.reserved_seconds + greatest (c.overage_max_seconds - c.overage_used_seconds, 0);
  if v_billed > v_room then
    perform
      vp_check_room (b, c, v_billed);
    -- raises the right code
  end if;
  u := vp_apply_usage (p_user, b.balance_seconds, b.last_sequence, b.last_hash, c, p_seconds, v_billed, p_key,
    p_call_id, p_description, p_occurred_at, null, v_now);
  b.balance_seconds := u.o_balance;
  b.last_sequence := u.o_sequence;
  b.last_hash := u.o_hash;
  b := vp_save_balance (b, v_now);
  v_result := u.o_result || jsonb_build_object('balance', vp_balance_json (b));
  -- the answer to a replay; its ledger entry is kept by reference (see vp_idem_put)
  insert into idempotency_records (user_id, key, operation, request_fingerprint, response, created_at)
    values (p_user, p_key, 'recordUsage', p_fingerprint, case when u.o_result -> 'transaction' = 'null'::jsonb then
        v_result - 'alerts'
      else
	(v_result - 'transaction' - 'alerts') || jsonb_build_object('transactionRef', u.o_result ->
	  'transaction' -> 'id')
      end, v_now);
  return v_result;
end
$$;

CREATE FUNCTION public.vp_record_usage_many(p_items jsonb, p_backdate_max_seconds integer, p_locked_busy boolean DEFAULT false) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  it record;
  v_out jsonb[] := '{}';
  v_detail text;
  v_state text;
  v_locked text;
  -- a user whose row was not locked in time: their later items do not try
begin
  for it in
  select
    x.ord::integer as ord,
    x.item
  from
    jsonb_array_elements(p_items)
  with ordinality as x (item, ord)
order by
  lower(x.item ->> 'userId'), x.ord loop
      if lower(it.item ->> 'userId') = v_locked then
        v_out[it.ord] := case when p_locked_busy then
          jsonb_build_object('busy', true)
        else
          jsonb_build_object('error', 'lock timeout on an earlier call of this user in the batch', 'sqlstate', '55P03', 'detail', null)
        end;
        continue;
      end if;
      begin
	v_out[it.ord] := jsonb_build_object('ok', vp_record_usage ((it.item ->> 'userId')::uuid,
	  (it.item ->> 'seconds')::bigint, it.item ->> 'idempotencyKey', it.item ->> 'fingerprint', it.item ->>
	  'callId', (it.item ->> 'occurredAt')::timestamptz, it.item ->> 'description', coalesce((it.item
	  ->> 'now')::timestamptz, clock_timestamp()), p_backdate_max_seconds));
      exception
        when sqlstate 'VPB01' then
          get stacked diagnostics v_detail = pg_exception_detail;
      v_out[it.ord] := jsonb_build_object('failure', sqlerrm, 'detail', nullif (v_detail, ''));
        when others then
          get stacked diagnostics v_state = returned_sqlstate,
          v_detail = pg_exception_detail;
      if v_state = '55P03' then
        v_locked := lower(it.item ->> 'userId');
        end if;
      v_out[it.ord] := case when v_state = '55P03'
        and p_locked_busy then
        jsonb_build_object('busy', true)
      else
        jsonb_build_object('error', sqlerrm, 'sqlstate', v_state, 'detail', nullif (v_detail, ''))
      end;
      end;
  end loop;
  return to_jsonb (v_out);
end
$$;

CREATE FUNCTION public.vp_refresh_usage_rollups(p_batch_max integer) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_now timestamptz;
  v_active bigint[];
  v_horizon timestamptz;
  v_consumed bigint;
  v_last uuid;
  v_ids uuid[];
  s usage_rollup_state;
begin
  -- the argument below needs a fresh snapshot per statement
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'vp_refresh_usage_rollups must run in READ COMMITTED';
  end if;
  perform
    pg_advisory_xact_lock(7215550001);
  -- The moment first, then the transactions open in this database: one that gets its id after
  -- this look writes records with ids after v_now; one that has an id now must finish first.
  v_now := clock_timestamp();
  perform
    pg_stat_clear_snapshot();
  select
    coalesce(array_agg(a.backend_xid::text::bigint), '{}') into v_active
  from
    pg_stat_activity a
  where
    a.datname = current_database()
    and a.pid <> pg_backend_pid()
    and a.backend_xid is not null;
  select
    * into s
  from
    usage_rollup_state
  where
    id = 1;
  -- the advisory lock serializes passes
  if cardinality(v_active) = 0 then
    v_horizon := v_now;
    s.pending_at := null;
    s.pending_xids := null;
  elsif s.pending_at is not null
      and not (s.pending_xids && v_active) then
      -- everything open at pending_at has finished (and is visible to the statements below)
      v_horizon := s.pending_at;
    s.pending_at := v_now;
    s.pending_xids := v_active;
  else
    v_horizon := s.horizon_at;
    if s.pending_at is null then
      s.pending_at := v_now;
      s.pending_xids := v_active;
    end if;
  end if;
  v_horizon := greatest (v_horizon, s.horizon_at);

  select
    coalesce(array_agg(batch.id order by batch.id), '{}') into v_ids
  from (
    select
      r.id
    from
      usage_records r
    where
      r.id > s.last_id
      and r.id < vp_uuid7_floor (v_horizon)
    order by
      r.id
    limit p_batch_max) batch;
  v_consumed := cardinality(v_ids);
  v_last := v_ids[v_consumed];
  if v_consumed > 0 then
    perform
      vp_fold_usage (v_ids);
  end if;
  -- a pass that changes nothing writes nothing (queries run one before they read)
  update
    usage_rollup_state
  set
    last_id = coalesce(v_last, s.last_id),
    horizon_at = v_horizon,
    pending_at = s.pending_at,
    pending_xids = s.pending_xids,
    records_total = records_total + v_consumed,
    updated_at = clock_timestamp()
  where
    id = 1
    and (v_consumed > 0
      or pending_at is distinct from s.pending_at
      or pending_xids is distinct from s.pending_xids);
  return jsonb_build_object('consumed', v_consumed, 'more', v_consumed >= p_batch_max, 'lastId',
    coalesce(v_last, s.last_id), 'horizonAt', v_horizon, 'at', v_now);
end
$$;

CREATE FUNCTION public.vp_refund_usage(p_entry uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint text, p_fallback_days integer, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  u ledger_entries;
  b credit_balances;
  e ledger_entries;
  a record;
  v_left bigint := p_seconds;
  v_take bigint;
  v_refundable bigint;
  v_fallback timestamptz;
  v_plan jsonb := '[]'::jsonb;
  v_result jsonb;
begin
  select
    * into u
  from
    ledger_entries
  where
    id = p_entry;
  if not found then
    perform
      vp_fail ('TRANSACTION_NOT_FOUND');
  end if;
  b := vp_lock_user (u.user_id, v_now);
  v_result := vp_idem_get (u.user_id, p_key, p_fingerprint);
  if v_result is not null then
    return v_result;
  end if;
  if u.type <> 'USAGE' then
    perform
      vp_fail ('NOT_REFUNDABLE', jsonb_build_object('type', u.type));
  end if;
  select
    case when ms.current_period_end > v_now then
      ms.current_period_end
    end into v_fallback
  from
    memberships ms
  where
    ms.user_id = u.user_id
    and ms.status <> 'CANCELED';
  v_fallback := coalesce(v_fallback, v_now + make_interval(days => p_fallback_days));
  v_refundable := 0;
  for a in with used as (
    select
      (l ->> 'grantId')::uuid as grant_id,
      (l ->> 'seconds')::bigint as seconds,
      ord
    from
      jsonb_array_elements(u.metadata -> 'grants')
      with ordinality as t (l, ord)
),
refunded as (
select
  (l ->> 'grantId')::uuid as grant_id,
  sum((l ->> 'seconds')::bigint) as seconds
from
  ledger_entries r,
  jsonb_array_elements(r.metadata -> 'refunded') l
  where
    r.type = 'REFUND'
    and r.reference = p_entry::text
    and r.user_id = u.user_id
  group by
    1
)
select
  used.grant_id,
  used.seconds - coalesce(refunded.seconds, 0) as open_seconds,
  g.expires_at
from
  used
  left join refunded using (grant_id)
  join credit_grants g on g.id = used.grant_id
where
  used.seconds > coalesce(refunded.seconds, 0)
order by
  used.ord desc loop
    v_refundable := v_refundable + a.open_seconds;
    if v_left > 0 then
      v_take := least (v_left, a.open_seconds);
      v_plan := v_plan || jsonb_build_object('grantId', a.grant_id, 'seconds', v_take, 'refundGrantId',
	gen_random_uuid (), 'expiresAt', case when a.expires_at is null then
        null
      when a.expires_at > v_now then
        a.expires_at
      else
        v_fallback
      end);
      v_left := v_left - v_take;
    end if;
  end loop;
  if v_left > 0 then
    perform
      vp_fail ('REFUND_EXCEEDS_USAGE', jsonb_build_object('refundableSeconds', v_refundable));
  end if;
  x := vp_append (b, 'REFUND', p_seconds, p_reason, jsonb_build_object('refundOf', p_entry, 'refunded', (
        select
          coalesce(jsonb_agg(jsonb_build_object('grantId', r -> 'grantId', 'seconds', r -> 'seconds')
          order by ord), '[]'::jsonb)
        from jsonb_array_elements(v_plan)
        with ordinality as t (r, ord)), 'grants', (
        select
          coalesce(jsonb_agg(jsonb_build_object('grantId', r -> 'refundGrantId', 'seconds', r -> 'seconds')
            order by ord), '[]'::jsonb)
        from jsonb_array_elements(v_plan)
        with ordinality as t (r, ord))), p_entry::text, p_key, v_now);
  b := x.b;
  e := x.e;
insert into credit_grants (id, user_id, source, granted_seconds, remaining_seconds, expires_at, reference,
  idempotency_key, entry_id, refund_of_entry_id, created_at)
select
  (r ->> 'refundGrantId')::uuid,
  u.user_id,
  'REFUND',
  (r ->> 'seconds')::bigint,
  (r ->> 'seconds')::bigint,
  (r ->> 'expiresAt')::timestamptz,
  p_entry::text,
  '~refund:' || p_key || '#' || ord,
  e.id,
  p_entry,
  e.created_at
from
  jsonb_array_elements(v_plan)
  with ordinality as t (r, ord);
  return vp_keyed_answer (vp_save_balance (b, v_now), p_key, 'refundUsage', p_fingerprint,
    jsonb_build_object('transaction', vp_entry_json (e), 'grants', (
        select
          jsonb_agg(jsonb_build_object('seconds', r -> 'seconds', 'expiresAt', r -> 'expiresAt')
        order by ord)
        from jsonb_array_elements(v_plan)
        with ordinality as t (r, ord))), v_now);
end
$$;

CREATE FUNCTION public.vp_release_reservation(p_reservation uuid, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE sql
    AS $$
  select
    vp_end_reservation (p_reservation, null, null, p_now);
$$;

CREATE FUNCTION public.vp_require_active(r public.reservations) RETURNS void
    LANGUAGE plpgsql
    AS $$
begin
  if r.status = 'EXPIRED' then
    perform
      vp_fail ('RESERVATION_EXPIRED');
  elsif r.status <> 'ACTIVE' then
    perform
      vp_fail ('RESERVATION_NOT_ACTIVE', jsonb_build_object('status', r.status));
  end if;
end
$$;

CREATE FUNCTION public.vp_reservation_json(r public.reservations) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return jsonb_build_object('id', r.id, 'userId', r.user_id, 'status', r.status, 'reservedSeconds',
    r.reserved_seconds, 'allowedSeconds', r.allowed_seconds, 'expiresAt', r.expires_at, 'createdAt', r.created_at,
    'usedSeconds', r.used_seconds, 'billedSeconds', r.billed_seconds);
end
$$;

CREATE FUNCTION public.vp_reserve(p_user uuid, p_seconds bigint, p_ttl_seconds integer, p_key text, p_fingerprint text, p_holds_max integer, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  c vp_usage_ctx;
  r reservations;
  v_room bigint;
  v_hold bigint;
begin
  x := vp_begin (p_user, p_key, p_fingerprint, v_now);
  if x.replay is not null then
    return x.replay;
  end if;
  if (
    select
      count(*)
    from
      reservations
    where
      user_id = p_user and status = 'ACTIVE') >= p_holds_max then
    perform
      vp_fail ('TOO_MANY_RESERVATIONS', jsonb_build_object('holdsMax', p_holds_max));
  end if;
  c := vp_usage_context (p_user, null, v_now);
  -- holds are kept in billed seconds (rounded up to the plan's increment), as the commit will bill
  v_hold := vp_round_up (p_seconds, c.increment_seconds);
  v_room := vp_check_room (x.b, c, v_hold);
  insert into reservations (id, user_id, status, reserved_seconds, allowed_seconds, idempotency_key,
    request_fingerprint, ttl_seconds, expires_at, created_at, updated_at)
    values (vp_uuid7 (), p_user, 'ACTIVE', v_hold, v_room, p_key, p_fingerprint, p_ttl_seconds, v_now +
      make_interval(secs => p_ttl_seconds), v_now, v_now)
  returning
    * into r;
  return vp_hold_answer (x.b, r, v_hold, p_key, 'reserveCredits', p_fingerprint, v_now);
end
$$;

CREATE FUNCTION public.vp_round_up(p_seconds bigint, p_increment bigint) RETURNS bigint
    LANGUAGE plpgsql IMMUTABLE
    AS $$
begin
  return ((p_seconds + p_increment - 1) / p_increment) * p_increment;
end
$$;

CREATE FUNCTION public.vp_save_balance(INOUT b public.credit_balances, p_now timestamp with time zone) RETURNS public.credit_balances
    LANGUAGE plpgsql
    AS $$
begin
  update
    credit_balances
  set
    balance_seconds = b.balance_seconds,
    reserved_seconds = b.reserved_seconds,
    last_sequence = b.last_sequence,
    last_hash = b.last_hash,
    version = version + 1,
    updated_at = p_now
  where
    user_id = b.user_id
  returning
    version,
    updated_at into b.version,
    b.updated_at;
end
$$;

CREATE FUNCTION public.vp_settle(b public.credit_balances, p_now timestamp with time zone) RETURNS public.credit_balances
    LANGUAGE plpgsql
    AS $$
declare
  x record;
  v_released bigint;
begin
  with x as (
    update
      reservations
    set
      status = 'EXPIRED',
      finished_at = p_now,
      updated_at = p_now
    where
      user_id = b.user_id
      and status = 'ACTIVE'
      and expires_at <= p_now
    returning
      reserved_seconds
)
  select
    coalesce(sum(reserved_seconds), 0) into v_released
  from
    x;
  b.reserved_seconds := b.reserved_seconds - v_released;
  x := vp_expire_grants (b, array (
      select
        id
      from vp_grants_left (b.user_id, p_now, false)), 'Credits expired', null, p_now);
  return vp_save_balance (x.b, p_now);
end
$$;

CREATE FUNCTION public.vp_touch_user(p_user uuid, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
begin
  return vp_balance_json (vp_lock_user (p_user, coalesce(p_now, statement_timestamp())));
end
$$;

CREATE FUNCTION public.vp_upgrade_period(p_user uuid, p_period_end timestamp with time zone, p_from text, p_to text, p_changed_at timestamp with time zone, p_now timestamp with time zone, OUT f public.plans, OUT t public.plans, OUT up public.usage_periods, OUT v_at timestamp with time zone, OUT v_seconds bigint) RETURNS record
    LANGUAGE plpgsql
    AS $$
declare
  v_total_ms bigint;
  v_left_ms bigint;
begin
  f := vp_plan (p_from);
  t := vp_plan (p_to);
  if t.included_seconds <= f.included_seconds then
    perform
      vp_fail ('INVALID_ARGUMENT', jsonb_build_object('reason', 'not an upgrade'));
  end if;
  select
    * into up
  from
    usage_periods
  where
    user_id = p_user
    and period_end = p_period_end;
  if not found then
    perform
      vp_fail ('PERIOD_NOT_FOUND');
  end if;
  if up.period_end <= p_now or up.status <> 'OPEN' then
    perform
      vp_fail ('INVALID_PERIOD');
  end if;
  v_at := least (greatest (p_changed_at, up.period_start), up.period_end);
  v_total_ms := (extract(epoch from (up.period_end - up.period_start)) * 1000)::bigint;
  v_left_ms := (extract(epoch from (up.period_end - v_at)) * 1000)::bigint;
  -- whole seconds, rounded down: (difference × time left) / period length
  v_seconds := ((t.included_seconds - f.included_seconds) * v_left_ms) / v_total_ms;
  update
    usage_periods
  set
    plan_code = t.code,
    overage_cents_per_minute = t.overage_cents_per_minute,
    included_seconds = included_seconds + v_seconds
  where
    id = up.id;
end
$$;

CREATE FUNCTION public.vp_usage_alerts(p_user uuid, c public.vp_usage_ctx, p_billed bigint, p_overage bigint, p_balance_before bigint, p_balance_after bigint, p_now timestamp with time zone) RETURNS jsonb
    LANGUAGE plpgsql
    AS $$
declare
  v_inc bigint := c.period_included_seconds;
  v_used_before bigint := c.period_used_seconds;
  v_used_after bigint := c.period_used_seconds + p_billed;
  v_over_before bigint := c.overage_used_seconds;
  v_over_after bigint := c.overage_used_seconds + p_overage;
  v_max bigint := c.overage_max_seconds;
  v_kinds text[] := '{}';
  v_out jsonb;
begin
  if v_inc > 0 then
    if v_used_before * 100 < v_inc * 50 and v_used_after * 100 >= v_inc * 50 then
      v_kinds := v_kinds || 'INCLUDED_50'::text;
    end if;
    if v_used_before * 100 < v_inc * 80 and v_used_after * 100 >= v_inc * 80 then
      v_kinds := v_kinds || 'INCLUDED_80'::text;
    end if;
    if v_used_before < v_inc and v_used_after >= v_inc then
      v_kinds := v_kinds || 'INCLUDED_100'::text;
    end if;
    if p_balance_before * 10 >= v_inc and p_balance_after * 10 < v_inc then
      v_kinds := v_kinds || 'LOW_BALANCE'::text;
    end if;
  end if;
  if v_over_before = 0 and v_over_after > 0 then
    v_kinds := v_kinds || 'OVERAGE_STARTED'::text;
  end if;
  if v_max > 0 then
    if v_over_before * 100 < v_max * 80 and v_over_after * 100 >= v_max * 80 then
      v_kinds := v_kinds || 'OVERAGE_LIMIT_80'::text;
    end if;
    if v_over_before < v_max and v_over_after >= v_max then
      v_kinds := v_kinds || 'OVERAGE_LIMIT_100'::text;
    end if;
  end if;
  if cardinality(v_kinds) = 0 then
    return '[]'::jsonb;
  end if;
  with ins as (
insert into usage_alerts (user_id, period_id, kind, used_seconds, included_seconds, overage_seconds, balance_seconds, created_at)
    select
      p_user,
      c.period_id,
      k,
      v_used_after,
      v_inc,
      v_over_after,
      p_balance_after,
      p_now
    from
      unnest(v_kinds) k
    on conflict (user_id,
      period_id,
      kind)
      do nothing
    returning
      *
)
  select
    coalesce(jsonb_agg(jsonb_build_object('id', id, 'userId', user_id, 'periodId', period_id,
      'kind', kind, 'usedSeconds', used_seconds, 'includedSeconds', included_seconds, 'overageSeconds',
      overage_seconds, 'balanceSeconds', balance_seconds, 'createdAt', created_at)
      order by kind), '[]'::jsonb) into v_out
from
  ins;
  return v_out;
end
$$;

CREATE FUNCTION public.vp_usage_context(p_user uuid, p_key text, p_now timestamp with time zone) RETURNS public.vp_usage_ctx
    LANGUAGE plpgsql
    AS $$
declare
  c vp_usage_ctx;
  m record;
begin
  select
    ms.id,
    ms.status,
    ms.current_period_start,
    ms.current_period_end,
    ms.overage_limit_cents,
    pl.code,
    pl.price_cents,
    pl.included_seconds,
    pl.overage_cents_per_minute,
    pl.usage_increment_seconds,
    up.id as period_id,
    up.status as period_status,
    up.overage_seconds,
    up.included_seconds as period_included,
    up.used_seconds as period_used,
    ir.operation,
    ir.request_fingerprint,
    ir.response,
    exists (
      select
        1
      from
        reservations r
      where
        r.user_id = u.user_id
        and r.status = 'ACTIVE'
        and r.expires_at <= p_now)
    or exists (
      select
        1
      from
        credit_grants g
      where
        g.user_id = u.user_id
        and g.remaining_seconds > 0
        and g.expires_at <= p_now) as due into m
  from (
    select
      p_user as user_id) u
  left join memberships ms on ms.user_id = u.user_id
  left join plans pl on pl.code = ms.plan_code
  left join usage_periods up on up.user_id = u.user_id
    and up.period_start = ms.current_period_start
  left join idempotency_records ir on ir.user_id = u.user_id
    and ir.key = p_key;
  c.idem_operation := m.operation;
  c.idem_fingerprint := m.request_fingerprint;
  c.idem_response := m.response;
  c.due := m.due;
  if m.id is null then
    c.increment_seconds := 1;
    c.overage_eligible := false;
    c.limit_cents := 0;
    c.overage_max_seconds := 0;
    c.overage_used_seconds := 0;
    return c;
  end if;
  c.increment_seconds := m.usage_increment_seconds;
  c.rate_cents_per_minute := m.overage_cents_per_minute;
  c.limit_cents := coalesce(m.overage_limit_cents, m.price_cents);
  -- a period already closed (invoiced) takes no more overage
  c.overage_eligible := m.status in ('ACTIVE')
    and m.current_period_start is not null
    and m.current_period_start <= p_now
    and p_now < m.current_period_end
    and coalesce(m.period_status, 'OPEN') = 'OPEN';
  c.period_id := case when coalesce(m.period_status, 'OPEN') = 'OPEN' then
    m.period_id
  end;
  c.overage_used_seconds := coalesce(m.overage_seconds, 0);
  c.period_included_seconds := coalesce(m.period_included, m.included_seconds);
  c.period_used_seconds := coalesce(m.period_used, 0);
  if c.overage_eligible and m.period_id is null then
    insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds, overage_cents_per_minute)
      values (p_user, m.id, m.code, m.current_period_start, m.current_period_end, m.included_seconds, m.overage_cents_per_minute)
    on conflict (user_id, period_start)
      do nothing
    returning
      id into c.period_id;
  end if;
  c.overage_max_seconds := case when c.overage_eligible then
    vp_overage_max_seconds (c.limit_cents, c.rate_cents_per_minute)
  else
    0
  end;
  return c;
end
$$;

CREATE FUNCTION public.vp_users_time_zone_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  perform
    vp_rebuild_user_usage_rollup (new.id);
  return null;
end
$$;

CREATE FUNCTION public.vp_uuid7(p_at timestamp with time zone DEFAULT clock_timestamp()) RETURNS uuid
    LANGUAGE plpgsql
    AS $$
begin
  return encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid ())
        placing substring(int8send(floor(extract(epoch from p_at) * 1000)::bigint)
          from 3)
        from 1 for 6), 52, 1), 53, 1), 'hex')::uuid;
end
$$;

CREATE FUNCTION public.vp_uuid7_floor(p_at timestamp with time zone) RETURNS uuid
    LANGUAGE sql IMMUTABLE
    AS $$
  select
    case when p_at <= 'epoch'::timestamptz then
      '00000000-0000-0000-0000-000000000000'::uuid
    when p_at = 'infinity'::timestamptz then
      'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid
    else
      (lpad(to_hex(floor(extract(epoch from p_at) * 1000)::bigint), 12, '0') || '00000000000000000000')::uuid
    end
$$;

CREATE TABLE public.api_keys (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    role text NOT NULL,
    name text NOT NULL,
    prefix text NOT NULL,
    secret_hash character(64) NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    CONSTRAINT api_keys_name_check CHECK (((length(name) >= 1) AND (length(name) <= 100))),
    CONSTRAINT api_keys_prefix_check CHECK (((length(prefix) >= 8) AND (length(prefix) <= 32))),
    CONSTRAINT api_keys_role_check CHECK ((role = ANY (ARRAY['USER'::text, 'SERVICE'::text])))
);

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT statement_timestamp() NOT NULL,
    actor_id uuid,
    actor_role text NOT NULL,
    action text NOT NULL,
    target_user_id uuid,
    subject_id text,
    before jsonb,
    after jsonb,
    dedupe_key character(64),
    CONSTRAINT audit_log_action_check CHECK ((action ~ '^[A-Z][A-Z_]{2,63}$'::text)),
    CONSTRAINT audit_log_actor_role_check CHECK ((actor_role = ANY (ARRAY['USER'::text, 'SERVICE'::text, 'ADMIN'::text, 'SYSTEM'::text, 'STRIPE'::text]))),
    CONSTRAINT audit_log_subject_id_check CHECK ((length(subject_id) <= 255))
);

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.checkout_requests (
    user_id uuid NOT NULL,
    key text NOT NULL,
    fingerprint text NOT NULL,
    session_id text NOT NULL,
    url text NOT NULL,
    amount_cents bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT checkout_requests_key_check CHECK (((length(key) >= 1) AND (length(key) <= 128)))
);

CREATE TABLE public.consent_records (
    id bigint NOT NULL,
    user_id uuid NOT NULL,
    purpose text NOT NULL,
    granted boolean NOT NULL,
    policy_version text NOT NULL,
    source text NOT NULL,
    recorded_by uuid,
    recorded_by_role text NOT NULL,
    created_at timestamp with time zone DEFAULT statement_timestamp() NOT NULL,
    CONSTRAINT consent_records_policy_version_check CHECK ((policy_version ~ '^[A-Za-z0-9._-]{1,32}$'::text)),
    CONSTRAINT consent_records_purpose_check CHECK ((purpose = ANY (ARRAY['VOICE_PROCESSING'::text, 'VOICE_RECORDING'::text, 'VOICE_TRAINING'::text]))),
    CONSTRAINT consent_records_recorded_by_role_check CHECK ((recorded_by_role = ANY (ARRAY['USER'::text, 'SERVICE'::text, 'ADMIN'::text, 'SYSTEM'::text]))),
    CONSTRAINT consent_records_source_check CHECK ((source ~ '^[A-Za-z0-9._:-]{1,64}$'::text))
);

ALTER TABLE public.consent_records ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.consent_records_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.data_exports (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    requested_by uuid,
    requested_by_role text NOT NULL,
    token_hash character(64) NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT statement_timestamp() NOT NULL,
    downloaded_at timestamp with time zone,
    CONSTRAINT data_exports_requested_by_role_check CHECK ((requested_by_role = ANY (ARRAY['USER'::text, 'SERVICE'::text, 'ADMIN'::text, 'SYSTEM'::text])))
);

CREATE TABLE public.erasure_requests (
    user_id uuid NOT NULL,
    requested_by uuid,
    requested_by_role text NOT NULL,
    requested_at timestamp with time zone DEFAULT statement_timestamp() NOT NULL,
    status text DEFAULT 'PENDING'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    subscriptions_canceled_at timestamp with time zone,
    customer_deleted_at timestamp with time zone,
    completed_at timestamp with time zone,
    last_error text,
    collection jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT erasure_requests_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT erasure_requests_check CHECK (((status = 'COMPLETED'::text) = (completed_at IS NOT NULL))),
    CONSTRAINT erasure_requests_last_error_check CHECK ((length(last_error) <= 1000)),
    CONSTRAINT erasure_requests_requested_by_role_check CHECK ((requested_by_role = ANY (ARRAY['USER'::text, 'SERVICE'::text, 'ADMIN'::text, 'SYSTEM'::text]))),
    CONSTRAINT erasure_requests_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'COMPLETED'::text])))
);

CREATE TABLE public.idempotency_records (
    user_id uuid NOT NULL,
    key text NOT NULL,
    operation text NOT NULL,
    request_fingerprint text NOT NULL,
    response jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_records_key_check CHECK (((length(key) >= 1) AND (length(key) <= 128)))
);

CREATE TABLE public.membership_changes (
    id bigint NOT NULL,
    membership_id uuid NOT NULL,
    user_id uuid NOT NULL,
    kind text NOT NULL,
    plan_code text NOT NULL,
    previous_plan_code text,
    status text NOT NULL,
    previous_status text,
    cancel_at_period_end boolean NOT NULL,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    effective_at timestamp with time zone NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT membership_changes_kind_check CHECK ((kind = ANY (ARRAY['CREATED'::text, 'UPGRADE'::text, 'DOWNGRADE'::text, 'STATUS'::text, 'CANCEL_AT_PERIOD_END'::text, 'PERIOD'::text])))
);

ALTER TABLE public.membership_changes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.membership_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.mikro_orm_migrations (
    id integer NOT NULL,
    name character varying(255),
    executed_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP
);

CREATE SEQUENCE public.mikro_orm_migrations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.mikro_orm_migrations_id_seq OWNED BY public.mikro_orm_migrations.id;

CREATE TABLE public.overage_invoices (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    period_id uuid NOT NULL,
    subscription_id text NOT NULL,
    customer_id text NOT NULL,
    overage_seconds bigint NOT NULL,
    amount_cents bigint NOT NULL,
    currency character(3) DEFAULT 'EUR'::bpchar NOT NULL,
    description text NOT NULL,
    idempotency_key text NOT NULL,
    status text DEFAULT 'PENDING'::text NOT NULL,
    stripe_invoice_item_id text,
    stripe_invoice_id text,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    invoiced_at timestamp with time zone,
    last_attempt_at timestamp with time zone,
    CONSTRAINT overage_invoices_amount_cents_check CHECK ((amount_cents > 0)),
    CONSTRAINT overage_invoices_overage_seconds_check CHECK ((overage_seconds > 0)),
    CONSTRAINT overage_invoices_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'INVOICED'::text, 'FAILED'::text])))
);

CREATE TABLE public.second_subscription_refunds (
    invoice_id text NOT NULL,
    subscription_id text NOT NULL,
    user_id uuid NOT NULL,
    refund_ids text[] NOT NULL,
    refunded_cents bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT second_subscription_refunds_refunded_cents_check CHECK ((refunded_cents >= 0))
);

CREATE TABLE public.second_subscriptions (
    subscription_id text NOT NULL,
    user_id uuid NOT NULL,
    kept_subscription_id text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.sql_sources (
    name text NOT NULL,
    sha256 text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.stripe_customers (
    user_id uuid NOT NULL,
    customer_id text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

CREATE TABLE public.usage_alerts (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    period_id uuid NOT NULL,
    kind text NOT NULL,
    used_seconds bigint NOT NULL,
    included_seconds bigint NOT NULL,
    overage_seconds bigint NOT NULL,
    balance_seconds bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT usage_alerts_kind_check CHECK ((kind = ANY (ARRAY['INCLUDED_50'::text, 'INCLUDED_80'::text, 'INCLUDED_100'::text, 'OVERAGE_STARTED'::text, 'OVERAGE_LIMIT_80'::text, 'OVERAGE_LIMIT_100'::text, 'LOW_BALANCE'::text])))
);

CREATE TABLE public.usage_daily (
    user_id uuid NOT NULL,
    day date NOT NULL,
    plan_code text NOT NULL,
    calls bigint NOT NULL,
    used_seconds bigint NOT NULL,
    billed_seconds bigint NOT NULL,
    credit_seconds bigint NOT NULL,
    overage_seconds bigint NOT NULL,
    over_cap_seconds bigint NOT NULL,
    uncovered_seconds bigint NOT NULL,
    overage_cost_sixtieth_cents bigint NOT NULL,
    CONSTRAINT usage_daily_billed_seconds_check CHECK ((billed_seconds >= 0)),
    CONSTRAINT usage_daily_calls_check CHECK ((calls > 0)),
    CONSTRAINT usage_daily_credit_seconds_check CHECK ((credit_seconds >= 0)),
    CONSTRAINT usage_daily_over_cap_seconds_check CHECK ((over_cap_seconds >= 0)),
    CONSTRAINT usage_daily_overage_cost_sixtieth_cents_check CHECK ((overage_cost_sixtieth_cents >= 0)),
    CONSTRAINT usage_daily_overage_seconds_check CHECK ((overage_seconds >= 0)),
    CONSTRAINT usage_daily_uncovered_seconds_check CHECK ((uncovered_seconds >= 0)),
    CONSTRAINT usage_daily_used_seconds_check CHECK ((used_seconds >= 0))
)
WITH (fillfactor='90');

CREATE TABLE public.usage_monthly (
    user_id uuid NOT NULL,
    month date NOT NULL,
    plan_code text NOT NULL,
    calls bigint NOT NULL,
    used_seconds bigint NOT NULL,
    billed_seconds bigint NOT NULL,
    credit_seconds bigint NOT NULL,
    overage_seconds bigint NOT NULL,
    over_cap_seconds bigint NOT NULL,
    uncovered_seconds bigint NOT NULL,
    overage_cost_sixtieth_cents bigint NOT NULL,
    CONSTRAINT usage_daily_billed_seconds_check CHECK ((billed_seconds >= 0)),
    CONSTRAINT usage_daily_calls_check CHECK ((calls > 0)),
    CONSTRAINT usage_daily_credit_seconds_check CHECK ((credit_seconds >= 0)),
    CONSTRAINT usage_daily_over_cap_seconds_check CHECK ((over_cap_seconds >= 0)),
    CONSTRAINT usage_daily_overage_cost_sixtieth_cents_check CHECK ((overage_cost_sixtieth_cents >= 0)),
    CONSTRAINT usage_daily_overage_seconds_check CHECK ((overage_seconds >= 0)),
    CONSTRAINT usage_daily_uncovered_seconds_check CHECK ((uncovered_seconds >= 0)),
    CONSTRAINT usage_daily_used_seconds_check CHECK ((used_seconds >= 0)),
    CONSTRAINT usage_monthly_month_check CHECK ((EXTRACT(day FROM month) = (1)::numeric))
);

CREATE TABLE public.usage_records (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    period_id uuid,
    reservation_id uuid,
    entry_id uuid,
    call_id text,
    description text,
    used_seconds bigint NOT NULL,
    billed_seconds bigint NOT NULL,
    credit_seconds bigint NOT NULL,
    overage_seconds bigint NOT NULL,
    over_cap_seconds bigint DEFAULT 0 NOT NULL,
    uncovered_seconds bigint DEFAULT 0 NOT NULL,
    occurred_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT usage_records_check CHECK ((billed_seconds >= used_seconds)),
    CONSTRAINT usage_records_check1 CHECK ((billed_seconds = ((credit_seconds + overage_seconds) + uncovered_seconds))),
    CONSTRAINT usage_records_credit_seconds_check CHECK ((credit_seconds >= 0)),
    CONSTRAINT usage_records_over_cap_seconds_check CHECK ((over_cap_seconds >= 0)),
    CONSTRAINT usage_records_overage_seconds_check CHECK ((overage_seconds >= 0)),
    CONSTRAINT usage_records_uncovered_seconds_check CHECK ((uncovered_seconds >= 0)),
    CONSTRAINT usage_records_used_seconds_check CHECK ((used_seconds >= 0))
);

CREATE TABLE public.usage_rollup_state (
    id integer NOT NULL,
    last_id uuid NOT NULL,
    horizon_at timestamp with time zone NOT NULL,
    pending_at timestamp with time zone,
    pending_xids bigint[],
    records_total bigint DEFAULT 0 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT usage_rollup_state_id_check CHECK ((id = 1))
);

CREATE TABLE public.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email text NOT NULL,
    role text DEFAULT 'USER'::text NOT NULL,
    time_zone text DEFAULT 'Europe/Berlin'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    erased_at timestamp with time zone,
    CONSTRAINT users_email_check CHECK (((length(email) >= 3) AND (length(email) <= 254))),
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['USER'::text, 'SERVICE'::text, 'ADMIN'::text])))
);

CREATE TABLE public.webhook_events (
    id text NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    status text DEFAULT 'RECEIVED'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    stripe_created_at timestamp with time zone NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    processed_at timestamp with time zone,
    next_retry_at timestamp with time zone,
    CONSTRAINT webhook_events_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT webhook_events_status_check CHECK ((status = ANY (ARRAY['RECEIVED'::text, 'PROCESSING'::text, 'PROCESSED'::text, 'FAILED'::text, 'IGNORED'::text])))
);

ALTER TABLE ONLY public.mikro_orm_migrations ALTER COLUMN id SET DEFAULT nextval('public.mikro_orm_migrations_id_seq'::regclass);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_prefix_key UNIQUE (prefix);

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_secret_hash_key UNIQUE (secret_hash);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.checkout_requests
    ADD CONSTRAINT checkout_requests_pkey PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.consent_records
    ADD CONSTRAINT consent_records_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.credit_balances
    ADD CONSTRAINT credit_balances_pkey PRIMARY KEY (user_id);

ALTER TABLE ONLY public.credit_grants
    ADD CONSTRAINT credit_grants_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.credit_grants
    ADD CONSTRAINT credit_grants_user_id_idempotency_key_key UNIQUE (user_id, idempotency_key);

ALTER TABLE ONLY public.data_exports
    ADD CONSTRAINT data_exports_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.data_exports
    ADD CONSTRAINT data_exports_token_hash_key UNIQUE (token_hash);

ALTER TABLE ONLY public.erasure_requests
    ADD CONSTRAINT erasure_requests_pkey PRIMARY KEY (user_id);

ALTER TABLE ONLY public.idempotency_records
    ADD CONSTRAINT idempotency_records_pkey PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.ledger_entries
    ADD CONSTRAINT ledger_entries_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.ledger_entries
    ADD CONSTRAINT ledger_entries_user_id_sequence_key UNIQUE (user_id, sequence);

ALTER TABLE ONLY public.membership_changes
    ADD CONSTRAINT membership_changes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_stripe_subscription_id_key UNIQUE (stripe_subscription_id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_user_id_key UNIQUE (user_id);

ALTER TABLE ONLY public.mikro_orm_migrations
    ADD CONSTRAINT mikro_orm_migrations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.overage_invoices
    ADD CONSTRAINT overage_invoices_idempotency_key_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.overage_invoices
    ADD CONSTRAINT overage_invoices_period_id_key UNIQUE (period_id);

ALTER TABLE ONLY public.overage_invoices
    ADD CONSTRAINT overage_invoices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.plans
    ADD CONSTRAINT plans_pkey PRIMARY KEY (code);

ALTER TABLE ONLY public.reservations
    ADD CONSTRAINT reservations_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.reservations
    ADD CONSTRAINT reservations_user_id_idempotency_key_key UNIQUE (user_id, idempotency_key);

ALTER TABLE ONLY public.second_subscription_refunds
    ADD CONSTRAINT second_subscription_refunds_pkey PRIMARY KEY (invoice_id);

ALTER TABLE ONLY public.second_subscriptions
    ADD CONSTRAINT second_subscriptions_pkey PRIMARY KEY (subscription_id);

ALTER TABLE ONLY public.sql_sources
    ADD CONSTRAINT sql_sources_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.stripe_customers
    ADD CONSTRAINT stripe_customers_customer_id_key UNIQUE (customer_id);

ALTER TABLE ONLY public.stripe_customers
    ADD CONSTRAINT stripe_customers_pkey PRIMARY KEY (user_id);

ALTER TABLE ONLY public.usage_alerts
    ADD CONSTRAINT usage_alerts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.usage_alerts
    ADD CONSTRAINT usage_alerts_user_id_period_id_kind_key UNIQUE (user_id, period_id, kind);

ALTER TABLE ONLY public.usage_daily
    ADD CONSTRAINT usage_daily_pkey PRIMARY KEY (user_id, day, plan_code);

ALTER TABLE ONLY public.usage_monthly
    ADD CONSTRAINT usage_monthly_pkey PRIMARY KEY (user_id, month, plan_code);

ALTER TABLE ONLY public.usage_periods
    ADD CONSTRAINT usage_periods_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.usage_periods
    ADD CONSTRAINT usage_periods_user_id_period_start_key UNIQUE (user_id, period_start);

ALTER TABLE ONLY public.usage_records
    ADD CONSTRAINT usage_records_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.usage_rollup_state
    ADD CONSTRAINT usage_rollup_state_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (id);

CREATE INDEX api_keys_user ON public.api_keys USING btree (user_id, created_at);

CREATE INDEX audit_log_action ON public.audit_log USING btree (action, id);

CREATE INDEX audit_log_actor ON public.audit_log USING btree (actor_id, id) WHERE (actor_id IS NOT NULL);

CREATE UNIQUE INDEX audit_log_dedupe ON public.audit_log USING btree (action, COALESCE((target_user_id)::text, ''::text), dedupe_key) WHERE (dedupe_key IS NOT NULL);

CREATE INDEX audit_log_target ON public.audit_log USING btree (target_user_id, id) WHERE (target_user_id IS NOT NULL);

CREATE INDEX audit_log_time ON public.audit_log USING btree (occurred_at);

CREATE INDEX consent_records_user ON public.consent_records USING btree (user_id, purpose, id);

CREATE INDEX credit_grants_expiry ON public.credit_grants USING btree (expires_at) WHERE (expires_at IS NOT NULL);

CREATE INDEX credit_grants_period ON public.credit_grants USING btree (period_id) WHERE (period_id IS NOT NULL);

CREATE UNIQUE INDEX credit_grants_plan_once ON public.credit_grants USING btree (idempotency_key) WHERE (source = 'PLAN'::text);

CREATE INDEX credit_grants_purchase ON public.credit_grants USING btree (created_at) WHERE (source = 'PURCHASE'::text);

CREATE INDEX credit_grants_user_expiry ON public.credit_grants USING btree (user_id, expires_at);

CREATE INDEX data_exports_user ON public.data_exports USING btree (user_id);

CREATE INDEX erasure_requests_pending ON public.erasure_requests USING btree (requested_at) WHERE (status = 'PENDING'::text);

CREATE INDEX ledger_entries_refunds ON public.ledger_entries USING btree (reference) WHERE (type = 'REFUND'::text);

CREATE INDEX membership_changes_effective ON public.membership_changes USING btree (effective_at);

CREATE INDEX membership_changes_user ON public.membership_changes USING btree (user_id, effective_at, id);

CREATE INDEX memberships_reconcile ON public.memberships USING btree (reconciled_at NULLS FIRST) WHERE (stripe_subscription_id IS NOT NULL);

CREATE INDEX overage_invoices_pending ON public.overage_invoices USING btree (created_at) WHERE (status <> 'INVOICED'::text);

CREATE INDEX reservations_active ON public.reservations USING btree (user_id, expires_at) WHERE (status = 'ACTIVE'::text);

CREATE INDEX reservations_active_due ON public.reservations USING btree (expires_at) WHERE (status = 'ACTIVE'::text);

CREATE INDEX usage_daily_day ON public.usage_daily USING btree (day);

CREATE INDEX usage_periods_open_end ON public.usage_periods USING btree (period_end) WHERE (status = 'OPEN'::text);

CREATE UNIQUE INDEX users_email_unique ON public.users USING btree (lower(email));

CREATE INDEX webhook_events_open ON public.webhook_events USING btree (received_at) WHERE (status = ANY (ARRAY['RECEIVED'::text, 'FAILED'::text]));

CREATE INDEX webhook_events_processing ON public.webhook_events USING btree (received_at) WHERE (status = 'PROCESSING'::text);

CREATE INDEX webhook_events_retry_due ON public.webhook_events USING btree (next_retry_at) WHERE ((status = 'FAILED'::text) AND (next_retry_at IS NOT NULL));

CREATE TRIGGER api_keys_notify_changes AFTER DELETE OR UPDATE OF revoked_at, role, user_id, secret_hash ON public.api_keys FOR EACH ROW EXECUTE FUNCTION public.vp_notify_changes();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION public.vp_append_only();

CREATE TRIGGER audit_log_no_update_delete BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.vp_append_only();

CREATE TRIGGER consent_records_no_truncate BEFORE TRUNCATE ON public.consent_records FOR EACH STATEMENT EXECUTE FUNCTION public.vp_append_only();

CREATE TRIGGER consent_records_no_update_delete BEFORE DELETE OR UPDATE ON public.consent_records FOR EACH ROW EXECUTE FUNCTION public.vp_append_only();

CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON public.ledger_entries FOR EACH STATEMENT EXECUTE FUNCTION public.vp_ledger_immutable();

CREATE TRIGGER ledger_entries_no_update_delete BEFORE DELETE OR UPDATE ON public.ledger_entries FOR EACH ROW EXECUTE FUNCTION public.vp_ledger_immutable();

CREATE TRIGGER membership_changes_no_truncate BEFORE TRUNCATE ON public.membership_changes FOR EACH STATEMENT EXECUTE FUNCTION public.vp_append_only();

CREATE TRIGGER membership_changes_no_update_delete BEFORE DELETE OR UPDATE ON public.membership_changes FOR EACH ROW EXECUTE FUNCTION public.vp_append_only();

CREATE TRIGGER memberships_history_insert AFTER INSERT ON public.memberships FOR EACH ROW EXECUTE FUNCTION public.vp_membership_history();

CREATE TRIGGER memberships_history_update AFTER UPDATE ON public.memberships FOR EACH ROW WHEN (((old.plan_code IS DISTINCT FROM new.plan_code) OR (old.status IS DISTINCT FROM new.status) OR (old.cancel_at_period_end IS DISTINCT FROM new.cancel_at_period_end) OR (old.current_period_start IS DISTINCT FROM new.current_period_start) OR (old.current_period_end IS DISTINCT FROM new.current_period_end))) EXECUTE FUNCTION public.vp_membership_history();

CREATE TRIGGER memberships_notify_changes AFTER INSERT OR DELETE ON public.memberships FOR EACH ROW EXECUTE FUNCTION public.vp_notify_changes();

CREATE TRIGGER memberships_notify_status_changes AFTER UPDATE OF status, plan_code ON public.memberships FOR EACH ROW WHEN (((old.status IS DISTINCT FROM new.status) OR (old.plan_code IS DISTINCT FROM new.plan_code))) EXECUTE FUNCTION public.vp_notify_changes();

CREATE TRIGGER plans_notify_changes AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON public.plans FOR EACH STATEMENT EXECUTE FUNCTION public.vp_notify_changes();

CREATE TRIGGER users_notify_changes AFTER DELETE OR UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.vp_notify_changes();

CREATE TRIGGER users_time_zone_changed AFTER UPDATE OF time_zone ON public.users FOR EACH ROW WHEN ((old.time_zone IS DISTINCT FROM new.time_zone)) EXECUTE FUNCTION public.vp_users_time_zone_changed();

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.checkout_requests
    ADD CONSTRAINT checkout_requests_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.consent_records
    ADD CONSTRAINT consent_records_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.credit_balances
    ADD CONSTRAINT credit_balances_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.credit_grants
    ADD CONSTRAINT credit_grants_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES public.ledger_entries(id);

ALTER TABLE ONLY public.credit_grants
    ADD CONSTRAINT credit_grants_period_id_fkey FOREIGN KEY (period_id) REFERENCES public.usage_periods(id);

ALTER TABLE ONLY public.credit_grants
    ADD CONSTRAINT credit_grants_refund_of_entry_id_fkey FOREIGN KEY (refund_of_entry_id) REFERENCES public.ledger_entries(id);

ALTER TABLE ONLY public.credit_grants
    ADD CONSTRAINT credit_grants_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.data_exports
    ADD CONSTRAINT data_exports_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.erasure_requests
    ADD CONSTRAINT erasure_requests_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_plan_code_fkey FOREIGN KEY (plan_code) REFERENCES public.plans(code);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_scheduled_plan_code_fkey FOREIGN KEY (scheduled_plan_code) REFERENCES public.plans(code);

ALTER TABLE ONLY public.memberships
    ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.overage_invoices
    ADD CONSTRAINT overage_invoices_period_id_fkey FOREIGN KEY (period_id) REFERENCES public.usage_periods(id);

ALTER TABLE ONLY public.overage_invoices
    ADD CONSTRAINT overage_invoices_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.reservations
    ADD CONSTRAINT reservations_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.second_subscription_refunds
    ADD CONSTRAINT second_subscription_refunds_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.second_subscriptions
    ADD CONSTRAINT second_subscriptions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.stripe_customers
    ADD CONSTRAINT stripe_customers_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.usage_alerts
    ADD CONSTRAINT usage_alerts_period_id_fkey FOREIGN KEY (period_id) REFERENCES public.usage_periods(id);

ALTER TABLE ONLY public.usage_alerts
    ADD CONSTRAINT usage_alerts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);

ALTER TABLE ONLY public.usage_periods
    ADD CONSTRAINT usage_periods_membership_id_fkey FOREIGN KEY (membership_id) REFERENCES public.memberships(id);

ALTER TABLE ONLY public.usage_periods
    ADD CONSTRAINT usage_periods_plan_code_fkey FOREIGN KEY (plan_code) REFERENCES public.plans(code);

ALTER TABLE ONLY public.usage_periods
    ADD CONSTRAINT usage_periods_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);
