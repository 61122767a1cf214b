import { Migration } from '@mikro-orm/migrations';

// The ledger engine: every operation that moves credits is one PL/pgSQL function, called in one
// round trip. Each one first locks the user's credit_balances row (serializing that user across
// all processes), settles what is due (expired holds and grants), answers replays from the
// idempotency record, checks, writes, and appends hash-chained ledger entries. A business failure
// raises SQLSTATE VPB01 with the code as message, which rolls the whole call back: a failed call
// changes nothing. The TypeScript use cases validate input first and map VPB01 to typed codes.
//
// Hash chain: hash = sha256(previous hash || canonical form); the canonical form is each field as
// "<utf8 byte length>:<text>" ("~" for null) in a fixed order — see src/domain/ledger/hash.ts,
// which recomputes it independently for verification.
export class Migration20261124000002_ledger_functions extends Migration {
  override async up(): Promise<void> {
    this.addSql(FUNCTIONS_SQL);
  }

  override async down(): Promise<void> {
    this.addSql(`
      do $$ declare f record; begin
        for f in select p.oid::regprocedure as sig from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = current_schema() and p.proname like 'vp\\_%' and p.proname <> 'vp_ledger_immutable' loop
          execute 'drop function ' || f.sig || ' cascade';
        end loop;
      end $$;
      drop type if exists vp_usage_ctx cascade;
    `);
  }
}

const FUNCTIONS_SQL = String.raw`
-- Time-ordered UUIDs (version 7 layout: 48 bits of Unix milliseconds, then random): new rows land
-- at the right edge of their primary-key B-tree instead of on a random page, which keeps index
-- writes and WAL (full-page images) small on the hot path.
create function vp_uuid7(p_at timestamptz default clock_timestamp()) returns uuid language plpgsql volatile as $$
begin
  return encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send(floor(extract(epoch from p_at) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid;
end $$;

create function vp_fail(p_code text, p_detail jsonb default null) returns void language plpgsql as $$
begin
  raise exception using errcode = 'VPB01', message = p_code, detail = coalesce(p_detail::text, '');
end $$;

create function vp_entry_hash(p_prev text, p_id uuid, p_user uuid, p_seq bigint, p_type text, p_amount bigint,
  p_balance_after bigint, p_description text, p_metadata jsonb, p_reference text, p_key text, p_created_at timestamptz)
returns text language plpgsql immutable as $$
declare
  v_meta text := p_metadata::text;
  v_ms text := ((extract(epoch from p_created_at) * 1000)::bigint)::text;
begin
  -- vp_field inlined: this runs once per ledger entry on the hot path
  return encode(sha256(convert_to(p_prev
    || '36:' || p_id::text || '36:' || p_user::text
    || octet_length(p_seq::text) || ':' || p_seq::text
    || octet_length(p_type) || ':' || p_type
    || octet_length(p_amount::text) || ':' || p_amount::text
    || octet_length(p_balance_after::text) || ':' || p_balance_after::text
    || case when p_description is null then '~' else octet_length(p_description) || ':' || p_description end
    || case when v_meta is null then '~' else octet_length(v_meta) || ':' || v_meta end
    || case when p_reference is null then '~' else octet_length(p_reference) || ':' || p_reference end
    || case when p_key is null then '~' else octet_length(p_key) || ':' || p_key end
    || octet_length(v_ms) || ':' || v_ms, 'UTF8')), 'hex');
end $$;

-- Largest overage S (seconds) whose cost round_half_up(S * rate / 60) stays within the limit:
-- S * rate / 60 < limit + 1/2  <=>  S < (2 * limit + 1) * 30 / rate. A limit of 0 disables overage.
create function vp_overage_max_seconds(p_limit_cents bigint, p_rate bigint) returns bigint language plpgsql immutable as $$
begin
  return case when p_limit_cents <= 0 then 0::bigint
              else ((2 * p_limit_cents + 1) * 30 + p_rate - 1) / p_rate - 1 end;
end $$;

create function vp_round_up(p_seconds bigint, p_increment bigint) returns bigint language plpgsql immutable as $$
begin
  return ((p_seconds + p_increment - 1) / p_increment) * p_increment;
end $$;

create function vp_entry_json(e ledger_entries) returns jsonb language plpgsql immutable as $$
begin
  return jsonb_build_object('id', e.id, 'userId', e.user_id, 'sequence', e.sequence, 'type', e.type,
    'amountSeconds', e.amount_seconds, 'balanceAfterSeconds', e.balance_after_seconds,
    'description', e.description, 'metadata', e.metadata, 'reference', e.reference,
    'idempotencyKey', e.idempotency_key, 'createdAt', e.created_at, 'hash', e.hash);
end $$;

create function vp_balance_json(b credit_balances) returns jsonb language plpgsql immutable as $$
begin
  return jsonb_build_object('userId', b.user_id, 'balanceSeconds', b.balance_seconds,
    'reservedSeconds', b.reserved_seconds, 'version', b.version, 'updatedAt', b.updated_at);
end $$;

-- Inserts the entry that follows a head (sequence, hash, balance) and returns it; the caller moves
-- the head forward. Used by every write, so it is the only place an entry is built.
create function vp_insert_entry(p_user uuid, p_prev_sequence bigint, p_prev_hash text, p_prev_balance bigint,
  p_type text, p_amount bigint, p_description text, p_metadata jsonb, p_reference text, p_key text,
  p_now timestamptz) returns ledger_entries language plpgsql as $$
declare
  v_id uuid := vp_uuid7();
  v_created timestamptz := date_trunc('milliseconds', p_now);
  e ledger_entries;
begin
  insert into ledger_entries (id, user_id, sequence, type, amount_seconds, balance_after_seconds, description, metadata,
                              reference, idempotency_key, created_at, hash)
  values (v_id, p_user, p_prev_sequence + 1, p_type, p_amount, p_prev_balance + p_amount, p_description, p_metadata,
          p_reference, p_key, v_created,
          vp_entry_hash(p_prev_hash, v_id, p_user, p_prev_sequence + 1, p_type, p_amount, p_prev_balance + p_amount,
                        p_description, p_metadata, p_reference, p_key, v_created))
  returning * into e;
  return e;
end $$;

-- Appends one entry after the head held in b (which the caller has locked) and moves b forward.
-- The caller saves b once at the end with vp_save_balance.
create function vp_append(inout b credit_balances, p_type text, p_amount bigint, p_description text,
  p_metadata jsonb, p_reference text, p_key text, p_now timestamptz, out e ledger_entries)
language plpgsql as $$
begin
  e := vp_insert_entry(b.user_id, b.last_sequence, b.last_hash, b.balance_seconds, p_type, p_amount, p_description,
    p_metadata, p_reference, p_key, p_now);
  b.balance_seconds := e.balance_after_seconds;
  b.last_sequence := e.sequence;
  b.last_hash := e.hash;
end $$;

create function vp_save_balance(inout b credit_balances, p_now timestamptz) language plpgsql as $$
begin
  update credit_balances
     set balance_seconds = b.balance_seconds, reserved_seconds = b.reserved_seconds,
         last_sequence = b.last_sequence, last_hash = b.last_hash,
         version = version + 1, updated_at = p_now
   where user_id = b.user_id
  returning version, updated_at into b.version, b.updated_at;
end $$;

-- Debits p_seconds from the user's live grants in consumption order (earliest expiry first,
-- no expiry last, then oldest) and returns the lineage [{grantId, seconds}, …] in that order. The
-- caller puts it into the entry's metadata, where the hash chain covers it.
create function vp_consume(p_user uuid, p_seconds bigint, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  v_lineage jsonb;
  v_taken bigint;
begin
  -- Fast path: the first grant in consumption order covers it all (the usual case).
  with first as (
    select id from credit_grants
     where user_id = p_user and remaining_seconds > 0 and (expires_at is null or expires_at > p_now)
     order by expires_at asc nulls last, created_at, id limit 1
  )
  update credit_grants g set remaining_seconds = g.remaining_seconds - p_seconds
    from first where g.id = first.id and g.remaining_seconds >= p_seconds
  returning jsonb_build_array(jsonb_build_object('grantId', g.id, 'seconds', p_seconds)) into v_lineage;
  if v_lineage is not null then
    return v_lineage;
  end if;
  with ordered as (
    select id, remaining_seconds, expires_at, created_at,
           sum(remaining_seconds) over (order by expires_at asc nulls last, created_at, id) as cum
      from credit_grants
     where user_id = p_user and remaining_seconds > 0 and (expires_at is null or expires_at > p_now)
  ), take as (
    select id, least(remaining_seconds, p_seconds - (cum - remaining_seconds)) as seconds, cum
      from ordered where cum - remaining_seconds < p_seconds
  ), upd as (
    update credit_grants g set remaining_seconds = g.remaining_seconds - t.seconds
      from take t where g.id = t.id
    returning g.id, t.seconds, t.cum
  )
  select coalesce(sum(seconds), 0), jsonb_agg(jsonb_build_object('grantId', id, 'seconds', seconds) order by cum)
    into v_taken, v_lineage from upd;
  if v_taken <> p_seconds then
    raise exception 'vp_consume: took % of % seconds for user %', v_taken, p_seconds, p_user;
  end if;
  return v_lineage;
end $$;

-- Whether anything of the user is due at p_now: a hold past its TTL or a grant past its expiry.
create function vp_due(p_user uuid, p_reserved bigint, p_now timestamptz) returns boolean language plpgsql as $$
begin
  return (p_reserved > 0 and exists (select 1 from reservations
                                      where user_id = p_user and status = 'ACTIVE' and expires_at <= p_now))
      or exists (select 1 from credit_grants where user_id = p_user and remaining_seconds > 0 and expires_at <= p_now);
end $$;

-- Settles what is due for a user whose head row the caller has locked: holds past their TTL
-- expire and grants past their expiry are written off (one EXPIRY entry with their lineage).
create function vp_settle(p_user uuid, p_now timestamptz) returns credit_balances language plpgsql as $$
declare
  x record;
  b credit_balances;
  e ledger_entries;
  v_released bigint;
  v_expired bigint;
  v_detail jsonb;
begin
  select * into b from credit_balances where user_id = p_user;
  with x as (
    update reservations set status = 'EXPIRED', finished_at = p_now, updated_at = p_now
     where user_id = p_user and status = 'ACTIVE' and expires_at <= p_now
    returning reserved_seconds
  ) select coalesce(sum(reserved_seconds), 0) into v_released from x;
  b.reserved_seconds := b.reserved_seconds - v_released;
  select coalesce(sum(remaining_seconds), 0),
         jsonb_agg(jsonb_build_object('grantId', id, 'seconds', remaining_seconds) order by expires_at, id)
    into v_expired, v_detail
    from credit_grants
   where user_id = p_user and remaining_seconds > 0 and expires_at <= p_now;
  if v_expired > 0 then
    x := vp_append(b, 'EXPIRY', -v_expired, 'Credits expired', jsonb_build_object('grants', v_detail),
      null, null, p_now);
    b := x.b; e := x.e;
    update credit_grants set expired_seconds = remaining_seconds, remaining_seconds = 0, expired_at = p_now
     where user_id = p_user and remaining_seconds > 0 and expires_at <= p_now;
  end if;
  return vp_save_balance(b, p_now);
end $$;

-- Locks the user's head row (serializing the user across all processes) and settles what is due.
-- Returns the head, or a null row when the user does not exist.
create function vp_lock_user(p_user uuid, p_now timestamptz) returns credit_balances language plpgsql as $$
declare
  b credit_balances;
begin
  select * into b from credit_balances where user_id = p_user for update;
  if not found then
    return null;
  end if;
  if vp_due(p_user, b.reserved_seconds, p_now) then
    b := vp_settle(p_user, p_now);
  end if;
  return b;
end $$;

-- Settles what is due for one user and returns the balance (used by the sweeps).
create function vp_touch_user(p_user uuid, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  b credit_balances := vp_lock_user(p_user, coalesce(p_now, statement_timestamp()));
begin
  if b.user_id is null then
    perform vp_fail('USER_NOT_FOUND');
  end if;
  return vp_balance_json(b);
end $$;

-- The balance a reader sees: read without a lock, settled first (under the lock) only when
-- something is due, so reads never show seconds that have expired and rarely write.
create function vp_read_balance(p_user uuid, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
begin
  select * into b from credit_balances where user_id = p_user;
  if not found then
    perform vp_fail('USER_NOT_FOUND');
  end if;
  if vp_due(p_user, b.reserved_seconds, v_now) then
    b := vp_lock_user(p_user, v_now);
  end if;
  return vp_balance_json(b);
end $$;

create type vp_usage_ctx as (
  increment_seconds bigint,
  overage_eligible boolean,
  period_id uuid,
  rate_cents_per_minute bigint,
  limit_cents bigint,
  overage_max_seconds bigint,
  overage_used_seconds bigint,
  period_included_seconds bigint,
  period_used_seconds bigint,
  -- the earlier request under the caller's idempotency key, if any
  idem_operation text,
  idem_fingerprint text,
  idem_response jsonb,
  -- a hold past its TTL or a grant past its expiry waits to be settled
  due boolean
);

-- What the user's membership allows at p_now — billing increment, whether overage is possible
-- (ACTIVE or TRIALING inside the current period) and how much of the cap is left — and what an
-- idempotency key was used for before. One statement; call it after locking the user.
create function vp_usage_context(p_user uuid, p_key text, p_now timestamptz) returns vp_usage_ctx language plpgsql as $$
declare
  c vp_usage_ctx;
  m record;
begin
  select ms.id, ms.status, ms.current_period_start, ms.current_period_end, ms.overage_limit_cents,
         pl.code, pl.price_cents, pl.included_seconds, pl.overage_cents_per_minute, pl.usage_increment_seconds,
         up.id as period_id, up.status as period_status, up.overage_seconds, up.included_seconds as period_included,
         up.used_seconds as period_used,
         ir.operation, ir.request_fingerprint, ir.response,
         exists (select 1 from reservations r where r.user_id = u.user_id and r.status = 'ACTIVE' and r.expires_at <= p_now)
           or exists (select 1 from credit_grants g
                       where g.user_id = u.user_id and g.remaining_seconds > 0 and g.expires_at <= p_now) as due
    into m
    from (select p_user as user_id) u
    left join memberships ms on ms.user_id = u.user_id
    left join plans pl on pl.code = ms.plan_code
    left join usage_periods up on up.user_id = u.user_id and up.period_start = ms.current_period_start
    left join idempotency_records ir on ir.user_id = u.user_id and ir.key = p_key;
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
  c.overage_eligible := m.status in ('ACTIVE', 'TRIALING') and m.current_period_start is not null
    and m.current_period_start <= p_now and p_now < m.current_period_end and coalesce(m.period_status, 'OPEN') = 'OPEN';
  c.period_id := case when coalesce(m.period_status, 'OPEN') = 'OPEN' then m.period_id end;
  c.overage_used_seconds := coalesce(m.overage_seconds, 0);
  c.period_included_seconds := coalesce(m.period_included, m.included_seconds);
  c.period_used_seconds := coalesce(m.period_used, 0);
  if c.overage_eligible and m.period_id is null then
    insert into usage_periods (user_id, membership_id, plan_code, period_start, period_end, included_seconds,
                               overage_cents_per_minute)
    values (p_user, m.id, m.code, m.current_period_start, m.current_period_end, m.included_seconds,
            m.overage_cents_per_minute)
    on conflict (user_id, period_start) do nothing
    returning id into c.period_id;
  end if;
  c.overage_max_seconds := case when c.overage_eligible
    then vp_overage_max_seconds(c.limit_cents, c.rate_cents_per_minute) else 0 end;
  return c;
end $$;

-- The stored answer to a replayed key, or a failure when the key came with other parameters.
create function vp_idem_answer(p_operation text, p_stored_fingerprint text, p_response jsonb, p_fingerprint text)
returns jsonb language plpgsql as $$
begin
  if p_stored_fingerprint <> p_fingerprint then
    perform vp_fail('IDEMPOTENCY_KEY_REUSED', jsonb_build_object('operation', p_operation));
  end if;
  if p_response ? 'transactionRef' then
    -- ledger rows never change, so the answer rebuilt from the row is the original answer
    return (p_response - 'transactionRef')
      || jsonb_build_object('transaction', (select vp_entry_json(e) from ledger_entries e
                                             where e.id = (p_response ->> 'transactionRef')::uuid));
  end if;
  return p_response;
end $$;

create function vp_idem_get(p_user uuid, p_key text, p_fingerprint text) returns jsonb language plpgsql as $$
declare
  r idempotency_records;
begin
  select * into r from idempotency_records where user_id = p_user and key = p_key;
  if not found then
    return null;
  end if;
  return vp_idem_answer(r.operation, r.request_fingerprint, r.response, p_fingerprint);
end $$;

-- Stores the answer to a keyed request; the ledger entry in it is stored by reference (the row is
-- immutable), which keeps the record, and the WAL written on the hot path, small.
create function vp_idem_put(p_user uuid, p_key text, p_operation text, p_fingerprint text, p_response jsonb,
  p_now timestamptz) returns void language plpgsql as $$
begin
  insert into idempotency_records (user_id, key, operation, request_fingerprint, response, created_at)
  values (p_user, p_key, p_operation, p_fingerprint,
    case when jsonb_typeof(p_response -> 'transaction') = 'object'
         then (p_response - 'transaction') || jsonb_build_object('transactionRef', p_response -> 'transaction' -> 'id')
         else p_response end,
    p_now);
end $$;

-- The start of every keyed write: lock the user (settling what is due), fail for an unknown user,
-- and answer a replayed key with its original answer.
create function vp_begin(p_user uuid, p_key text, p_fingerprint text, p_now timestamptz,
  out b credit_balances, out replay jsonb) language plpgsql as $$
begin
  b := vp_lock_user(p_user, p_now);
  if b.user_id is null then
    perform vp_fail('USER_NOT_FOUND');
  end if;
  if p_key is not null then
    replay := vp_idem_get(p_user, p_key, p_fingerprint);
  end if;
end $$;

-- Fails with the right code when p_seconds more cannot be covered by available seconds plus the
-- overage allowance left.
create function vp_check_room(b credit_balances, c vp_usage_ctx, p_seconds bigint) returns bigint language plpgsql as $$
declare
  v_room bigint := b.balance_seconds - b.reserved_seconds + greatest(c.overage_max_seconds - c.overage_used_seconds, 0);
begin
  if p_seconds > v_room then
    if c.overage_eligible and c.overage_max_seconds > 0 and p_seconds > b.balance_seconds - b.reserved_seconds then
      perform vp_fail('OVERAGE_LIMIT_REACHED', jsonb_build_object('roomSeconds', greatest(v_room, 0)));
    end if;
    perform vp_fail('INSUFFICIENT_CREDITS', jsonb_build_object('roomSeconds', greatest(v_room, 0)));
  end if;
  return v_room;
end $$;

-- The alerts a usage crosses (billing rules §9): 50 / 80 / 100 % of the included seconds used,
-- overage started, 80 / 100 % of the overage allowance, balance below 10 % of the included seconds.
-- Each kind once per period: the unique key decides, also between processes. Returns the new ones.
create function vp_usage_alerts(p_user uuid, c vp_usage_ctx, p_billed bigint, p_overage bigint,
  p_balance_before bigint, p_balance_after bigint, p_now timestamptz) returns jsonb language plpgsql as $$
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
    if v_used_before * 100 < v_inc * 50 and v_used_after * 100 >= v_inc * 50 then v_kinds := v_kinds || 'INCLUDED_50'::text; end if;
    if v_used_before * 100 < v_inc * 80 and v_used_after * 100 >= v_inc * 80 then v_kinds := v_kinds || 'INCLUDED_80'::text; end if;
    if v_used_before < v_inc and v_used_after >= v_inc then v_kinds := v_kinds || 'INCLUDED_100'::text; end if;
    if p_balance_before * 10 >= v_inc and p_balance_after * 10 < v_inc then v_kinds := v_kinds || 'LOW_BALANCE'::text; end if;
  end if;
  if v_over_before = 0 and v_over_after > 0 then v_kinds := v_kinds || 'OVERAGE_STARTED'::text; end if;
  if v_max > 0 then
    if v_over_before * 100 < v_max * 80 and v_over_after * 100 >= v_max * 80 then v_kinds := v_kinds || 'OVERAGE_LIMIT_80'::text; end if;
    if v_over_before < v_max and v_over_after >= v_max then v_kinds := v_kinds || 'OVERAGE_LIMIT_100'::text; end if;
  end if;
  if cardinality(v_kinds) = 0 then
    return '[]'::jsonb;
  end if;
  with ins as (
    insert into usage_alerts (user_id, period_id, kind, used_seconds, included_seconds, overage_seconds, balance_seconds, created_at)
    select p_user, c.period_id, k, v_used_after, v_inc, v_over_after, p_balance_after, p_now from unnest(v_kinds) k
    on conflict (user_id, period_id, kind) do nothing
    returning *
  )
  select coalesce(jsonb_agg(jsonb_build_object('id', id, 'userId', user_id, 'periodId', period_id, 'kind', kind,
           'usedSeconds', used_seconds, 'includedSeconds', included_seconds, 'overageSeconds', overage_seconds,
           'balanceSeconds', balance_seconds, 'createdAt', created_at) order by kind), '[]'::jsonb)
    into v_out from ins;
  return v_out;
end $$;

-- Records billed seconds as fact: credits first (consumption order), the rest as overage of the
-- period (flagged past the cap) or, without an overage-eligible membership, as uncovered. Takes and
-- returns the user's head (balance, sequence, hash); the caller saves it.
create function vp_apply_usage(p_user uuid, p_balance bigint, p_sequence bigint, p_hash text, c vp_usage_ctx,
  p_used bigint, p_billed bigint, p_key text, p_call_id text, p_description text, p_occurred_at timestamptz,
  p_reservation uuid, p_now timestamptz,
  out o_balance bigint, out o_sequence bigint, out o_hash text, out o_result jsonb)
language plpgsql as $$
declare
  e ledger_entries;
  v_credit bigint := least(p_billed, p_balance);
  v_rest bigint := p_billed - least(p_billed, p_balance);
  v_overage bigint := 0;
  v_over_cap bigint := 0;
  v_uncovered bigint := 0;
  v_record uuid := vp_uuid7();
  v_alerts jsonb := '[]'::jsonb;
begin
  o_balance := p_balance;
  o_sequence := p_sequence;
  o_hash := p_hash;
  if v_credit > 0 then
    e := vp_insert_entry(p_user, p_sequence, p_hash, p_balance, 'USAGE', -v_credit, p_description,
      jsonb_strip_nulls(jsonb_build_object('usedSeconds', p_used, 'billedSeconds', p_billed, 'overageSeconds', v_rest,
        'callId', p_call_id, 'reservationId', p_reservation, 'usageRecordId', v_record,
        'grants', vp_consume(p_user, v_credit, p_now))),
      p_call_id, p_key, p_now);
    o_balance := e.balance_after_seconds;
    o_sequence := e.sequence;
    o_hash := e.hash;
  end if;
  if v_rest > 0 then
    if c.overage_eligible then
      v_overage := v_rest;
      v_over_cap := greatest(c.overage_used_seconds + v_rest - c.overage_max_seconds, 0)
                  - greatest(c.overage_used_seconds - c.overage_max_seconds, 0);
    else
      v_uncovered := v_rest;
    end if;
  end if;
  if c.period_id is not null and c.overage_eligible then
    -- the limit that allowed this overage is what caps the period's bill, even if it is lowered later
    update usage_periods
       set used_seconds = used_seconds + p_billed, overage_seconds = overage_seconds + v_overage,
           over_cap_seconds = over_cap_seconds + v_over_cap,
           overage_limit_cents = case when v_overage > 0 then greatest(coalesce(overage_limit_cents, 0), c.limit_cents)
                                      else overage_limit_cents end
     where id = c.period_id;
  end if;
  insert into usage_records (id, user_id, period_id, reservation_id, entry_id, call_id, description, used_seconds,
    billed_seconds, credit_seconds, overage_seconds, over_cap_seconds, uncovered_seconds, occurred_at, created_at)
  values (v_record, p_user, case when c.overage_eligible then c.period_id end, p_reservation, e.id, p_call_id,
    p_description, p_used, p_billed, v_credit, v_overage, v_over_cap, v_uncovered, coalesce(p_occurred_at, p_now), p_now);
  if c.period_id is not null and c.overage_eligible then
    v_alerts := vp_usage_alerts(p_user, c, p_billed, v_overage, p_balance, o_balance, p_now);
  end if;
  o_result := jsonb_build_object('alerts', v_alerts, 'usageRecordId', v_record, 'usedSeconds', p_used, 'billedSeconds', p_billed,
    'creditSeconds', v_credit, 'overageSeconds', v_overage, 'overCapSeconds', v_over_cap,
    'uncoveredSeconds', v_uncovered, 'transaction', case when e.id is null then null else vp_entry_json(e) end);
end $$;

-- The hot path: one call records a finished call. Lock the user; read membership context and the
-- key's earlier use in one statement; settle only when something is due; check; write.
create function vp_record_usage(p_user uuid, p_seconds bigint, p_key text, p_fingerprint text, p_call_id text,
  p_occurred_at timestamptz, p_description text, p_now timestamptz, p_backdate_max_seconds integer)
returns jsonb language plpgsql as $$
declare
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  c vp_usage_ctx;
  u record;
  v_billed bigint;
  v_room bigint;
  v_result jsonb;
begin
  select * into b from credit_balances where user_id = p_user for update;
  if not found then
    perform vp_fail('USER_NOT_FOUND');
  end if;
  c := vp_usage_context(p_user, p_key, v_now);
  if c.due then
    b := vp_settle(p_user, v_now);
  end if;
  if c.idem_fingerprint is not null then
    return vp_idem_answer(c.idem_operation, c.idem_fingerprint, c.idem_response, p_fingerprint);
  end if;
  if p_occurred_at is not null and (p_occurred_at < v_now - make_interval(secs => p_backdate_max_seconds)
                                    or p_occurred_at > v_now + interval '1 minute') then
    perform vp_fail('INVALID_ARGUMENT', jsonb_build_object('field', 'occurredAt'));
  end if;
  v_billed := ((p_seconds + c.increment_seconds - 1) / c.increment_seconds) * c.increment_seconds;
  v_room := b.balance_seconds - b.reserved_seconds + greatest(c.overage_max_seconds - c.overage_used_seconds, 0);
  if v_billed > v_room then
    perform vp_check_room(b, c, v_billed);  -- raises the right code
  end if;
  u := vp_apply_usage(p_user, b.balance_seconds, b.last_sequence, b.last_hash, c, p_seconds, v_billed, p_key,
    p_call_id, p_description, p_occurred_at, null, v_now);
  update credit_balances
     set balance_seconds = u.o_balance, last_sequence = u.o_sequence, last_hash = u.o_hash,
         version = version + 1, updated_at = v_now
   where user_id = p_user
  returning * into b;
  v_result := u.o_result || jsonb_build_object('balance', vp_balance_json(b));
  -- the answer to a replay; its ledger entry is kept by reference (see vp_idem_put)
  insert into idempotency_records (user_id, key, operation, request_fingerprint, response, created_at)
  values (p_user, p_key, 'recordUsage', p_fingerprint,
    case when u.o_result -> 'transaction' = 'null'::jsonb then v_result - 'alerts'
         else (v_result - 'transaction' - 'alerts') || jsonb_build_object('transactionRef', u.o_result -> 'transaction' -> 'id') end,
    v_now);
  return v_result;
end $$;

create function vp_reservation_json(r reservations) returns jsonb language plpgsql immutable as $$
begin
  return jsonb_build_object('id', r.id, 'userId', r.user_id, 'status', r.status, 'reservedSeconds', r.reserved_seconds,
    'allowedSeconds', r.allowed_seconds, 'expiresAt', r.expires_at, 'createdAt', r.created_at,
    'usedSeconds', r.used_seconds, 'billedSeconds', r.billed_seconds);
end $$;

create function vp_reserve(p_user uuid, p_seconds bigint, p_ttl_seconds integer, p_key text, p_fingerprint text,
  p_holds_max integer, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  c vp_usage_ctx;
  r reservations;
  v_room bigint;
  v_hold bigint;
  v_result jsonb;
begin
  x := vp_begin(p_user, p_key, p_fingerprint, v_now);
  b := x.b;
  if x.replay is not null then
    return x.replay;
  end if;
  if (select count(*) from reservations where user_id = p_user and status = 'ACTIVE') >= p_holds_max then
    perform vp_fail('TOO_MANY_RESERVATIONS', jsonb_build_object('holdsMax', p_holds_max));
  end if;
  c := vp_usage_context(p_user, null, v_now);
  -- holds are kept in billed seconds (rounded up to the plan's increment), as the commit will bill
  v_hold := vp_round_up(p_seconds, c.increment_seconds);
  v_room := vp_check_room(b, c, v_hold);
  insert into reservations (id, user_id, status, reserved_seconds, allowed_seconds, idempotency_key, request_fingerprint,
    ttl_seconds, expires_at, created_at, updated_at)
  values (vp_uuid7(), p_user, 'ACTIVE', v_hold, v_room, p_key, p_fingerprint, p_ttl_seconds,
    v_now + make_interval(secs => p_ttl_seconds), v_now, v_now)
  returning * into r;
  b.reserved_seconds := b.reserved_seconds + v_hold;
  b := vp_save_balance(b, v_now);
  v_result := jsonb_build_object('reservation', vp_reservation_json(r), 'balance', vp_balance_json(b));
  perform vp_idem_put(p_user, p_key, 'reserveCredits', p_fingerprint, v_result, v_now);
  return v_result;
end $$;

-- Loads a reservation after locking its user; fails when it does not exist.
create function vp_lock_reservation(p_reservation uuid, p_now timestamptz, out b credit_balances, out r reservations)
language plpgsql as $$
declare
  v_user uuid;
begin
  select user_id into v_user from reservations where id = p_reservation;
  if not found then
    perform vp_fail('RESERVATION_NOT_FOUND');
  end if;
  b := vp_lock_user(v_user, p_now);
  select * into r from reservations where id = p_reservation;
end $$;

create function vp_extend_reservation(p_reservation uuid, p_seconds bigint, p_ttl_seconds integer, p_key text,
  p_fingerprint text, p_now timestamptz) returns jsonb language plpgsql as $$
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
  x := vp_lock_reservation(p_reservation, v_now);
  b := x.b; r := x.r;
  if p_key is not null then
    v_result := vp_idem_get(r.user_id, p_key, p_fingerprint);
    if v_result is not null then
      return v_result;
    end if;
  end if;
  if r.status = 'EXPIRED' then
    perform vp_fail('RESERVATION_EXPIRED');
  elsif r.status <> 'ACTIVE' then
    perform vp_fail('RESERVATION_NOT_ACTIVE', jsonb_build_object('status', r.status));
  end if;
  if p_seconds > 0 then
    c := vp_usage_context(r.user_id, null, v_now);
    v_add := vp_round_up(p_seconds, c.increment_seconds);
    v_room := vp_check_room(b, c, v_add);
  else
    v_room := 0;
  end if;
  update reservations
     set reserved_seconds = reserved_seconds + v_add,
         allowed_seconds = greatest(allowed_seconds, reserved_seconds + v_room),
         ttl_seconds = p_ttl_seconds, expires_at = v_now + make_interval(secs => p_ttl_seconds), updated_at = v_now
   where id = p_reservation
  returning * into r;
  b.reserved_seconds := b.reserved_seconds + v_add;
  b := vp_save_balance(b, v_now);
  v_result := jsonb_build_object('reservation', vp_reservation_json(r), 'balance', vp_balance_json(b));
  if p_key is not null then
    perform vp_idem_put(r.user_id, p_key, 'extendReservation', p_fingerprint, v_result, v_now);
  end if;
  return v_result;
end $$;

create function vp_commit_reservation(p_reservation uuid, p_used_seconds bigint, p_description text, p_now timestamptz)
returns jsonb language plpgsql as $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  r reservations;
  c vp_usage_ctx;
  v_billed bigint;
  v_result jsonb;
begin
  x := vp_lock_reservation(p_reservation, v_now);
    b := x.b; r := x.r;
  if r.status = 'COMMITTED' then
    if r.used_seconds = p_used_seconds then
      return r.commit_response;  -- a replay of the same commit
    end if;
    perform vp_fail('RESERVATION_NOT_ACTIVE', jsonb_build_object('status', r.status));
  elsif r.status = 'EXPIRED' then
    perform vp_fail('RESERVATION_EXPIRED');
  elsif r.status <> 'ACTIVE' then
    perform vp_fail('RESERVATION_NOT_ACTIVE', jsonb_build_object('status', r.status));
  end if;
  b.reserved_seconds := b.reserved_seconds - r.reserved_seconds;
  c := vp_usage_context(r.user_id, null, v_now);
  v_billed := vp_round_up(p_used_seconds, c.increment_seconds);
  x := vp_apply_usage(r.user_id, b.balance_seconds, b.last_sequence, b.last_hash, c, p_used_seconds, v_billed,
    '~commit:' || r.id::text, null, p_description, null, r.id, v_now);
  b.balance_seconds := x.o_balance; b.last_sequence := x.o_sequence; b.last_hash := x.o_hash;
  v_result := x.o_result;
  b := vp_save_balance(b, v_now);
  update reservations
     set status = 'COMMITTED', used_seconds = p_used_seconds, billed_seconds = v_billed, finished_at = v_now,
         updated_at = v_now, usage_record_id = (v_result ->> 'usageRecordId')::uuid
   where id = r.id
  returning * into r;
  v_result := v_result || jsonb_build_object('reservation', vp_reservation_json(r), 'balance', vp_balance_json(b));
  update reservations set commit_response = v_result - 'alerts' where id = r.id;  -- a replay raises no alert again
  return v_result;
end $$;

create function vp_release_reservation(p_reservation uuid, p_now timestamptz) returns jsonb language plpgsql as $$
declare
  x record;
  v_now timestamptz := coalesce(p_now, statement_timestamp());
  b credit_balances;
  r reservations;
begin
  x := vp_lock_reservation(p_reservation, v_now);
    b := x.b; r := x.r;
  if r.status = 'RELEASED' then
    return jsonb_build_object('reservation', vp_reservation_json(r), 'balance', vp_balance_json(b));
  elsif r.status = 'EXPIRED' then
    perform vp_fail('RESERVATION_EXPIRED');
  elsif r.status <> 'ACTIVE' then
    perform vp_fail('RESERVATION_NOT_ACTIVE', jsonb_build_object('status', r.status));
  end if;
  update reservations set status = 'RELEASED', finished_at = v_now, updated_at = v_now where id = r.id
  returning * into r;
  b.reserved_seconds := b.reserved_seconds - r.reserved_seconds;
  b := vp_save_balance(b, v_now);
  return jsonb_build_object('reservation', vp_reservation_json(r), 'balance', vp_balance_json(b));
end $$;

-- Creates one grant and its ledger entry. Used by every credit source.
create function vp_insert_grant(inout b credit_balances, p_source text, p_seconds bigint, p_expires_at timestamptz,
  p_reference text, p_key text, p_description text, p_metadata jsonb, p_period uuid, p_refund_of uuid,
  p_now timestamptz, out g credit_grants, out e ledger_entries)
language plpgsql as $$
declare
  x record;
begin
  x := vp_append(b,
    case p_source when 'PLAN' then 'PLAN_GRANT' when 'ADJUSTMENT' then 'ADJUSTMENT' else p_source end,
    p_seconds, p_description, p_metadata, p_reference, p_key, p_now);
    b := x.b; e := x.e;
  insert into credit_grants (user_id, source, granted_seconds, remaining_seconds, expires_at, reference,
    idempotency_key, period_id, entry_id, refund_of_entry_id, created_at)
  values (b.user_id, p_source, p_seconds, p_seconds, p_expires_at, p_reference, p_key, p_period, e.id, p_refund_of,
    e.created_at)
  returning * into g;
end $$;

create function vp_grant_json(g credit_grants) returns jsonb language plpgsql immutable as $$
begin
  return jsonb_build_object('id', g.id, 'source', g.source, 'grantedSeconds', g.granted_seconds,
    'remainingSeconds', g.remaining_seconds, 'expiresAt', g.expires_at, 'reference', g.reference,
    'periodId', g.period_id, 'createdAt', g.created_at);
end $$;

create function vp_grant(p_user uuid, p_source text, p_seconds bigint, p_expires_at timestamptz, p_reference text,
  p_key text, p_fingerprint text, p_description text, p_metadata jsonb, p_period uuid, p_now timestamptz)
returns jsonb language plpgsql as $$
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
  if p_expires_at is not null and p_expires_at <= v_now then
    perform vp_fail('INVALID_EXPIRY');
  end if;
  x := vp_insert_grant(b, p_source, p_seconds, p_expires_at, p_reference, p_key, p_description,
    p_metadata, p_period, null, v_now);
    b := x.b; g := x.g; e := x.e;
  b := vp_save_balance(b, v_now);
  v_result := jsonb_build_object('grant', vp_grant_json(g), 'transaction', vp_entry_json(e),
    'balance', vp_balance_json(b));
  perform vp_idem_put(p_user, p_key, 'grant:' || p_source, p_fingerprint, v_result, v_now);
  return v_result;
end $$;

-- The included seconds of a paid period, once per (subscription, period start): the key names both
-- and a unique index on PLAN keys enforces it across users and processes.
create function vp_grant_plan(p_user uuid, p_subscription text, p_period_start timestamptz, p_period_end timestamptz,
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
  v_result jsonb;
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
  on conflict (user_id, period_start) do update set included_seconds = excluded.included_seconds
  returning id into v_period;
  return vp_grant(p_user, 'PLAN', pl.included_seconds, p_period_end, p_subscription, v_key, v_fingerprint,
    pl.name || ' plan: included minutes', jsonb_build_object('planCode', pl.code, 'periodStart', p_period_start,
    'periodEnd', p_period_end), v_period, v_now);
end $$;

-- Gives back seconds of a usage entry, newest lineage first, as REFUND grants that live as long as
-- the grant that paid for them would have (or to the period end / fallback when that has passed).
-- What was refunded before is read from the earlier REFUND entries of the same usage, so the
-- ledger alone says how much of a usage is left to refund.
create function vp_refund_usage(p_entry uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint text,
  p_fallback_days integer, p_now timestamptz) returns jsonb language plpgsql as $$
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
  select * into u from ledger_entries where id = p_entry;
  if not found then
    perform vp_fail('TRANSACTION_NOT_FOUND');
  end if;
  b := vp_lock_user(u.user_id, v_now);
  v_result := vp_idem_get(u.user_id, p_key, p_fingerprint);
  if v_result is not null then
    return v_result;
  end if;
  if u.type <> 'USAGE' then
    perform vp_fail('NOT_REFUNDABLE', jsonb_build_object('type', u.type));
  end if;
  select case when ms.current_period_end > v_now then ms.current_period_end end into v_fallback
    from memberships ms where ms.user_id = u.user_id;
  v_fallback := coalesce(v_fallback, v_now + make_interval(days => p_fallback_days));
  v_refundable := 0;
  for a in
    with used as (
      select (l ->> 'grantId')::uuid as grant_id, (l ->> 'seconds')::bigint as seconds, ord
        from jsonb_array_elements(u.metadata -> 'grants') with ordinality as t(l, ord)
    ), refunded as (
      select (l ->> 'grantId')::uuid as grant_id, sum((l ->> 'seconds')::bigint) as seconds
        from ledger_entries r, jsonb_array_elements(r.metadata -> 'refunded') l
       where r.type = 'REFUND' and r.reference = p_entry::text and r.user_id = u.user_id
       group by 1
    )
    select used.grant_id, used.seconds - coalesce(refunded.seconds, 0) as open_seconds, g.expires_at
      from used left join refunded using (grant_id) join credit_grants g on g.id = used.grant_id
     where used.seconds > coalesce(refunded.seconds, 0)
     order by used.ord desc
  loop
    v_refundable := v_refundable + a.open_seconds;
    if v_left > 0 then
      v_take := least(v_left, a.open_seconds);
      v_plan := v_plan || jsonb_build_object('grantId', a.grant_id, 'seconds', v_take,
        'expiresAt', case when a.expires_at is null then null
                          when a.expires_at > v_now then a.expires_at else v_fallback end);
      v_left := v_left - v_take;
    end if;
  end loop;
  if v_left > 0 then
    perform vp_fail('REFUND_EXCEEDS_USAGE', jsonb_build_object('refundableSeconds', v_refundable));
  end if;
  x := vp_append(b, 'REFUND', p_seconds, p_reason,
    jsonb_build_object('refundOf', p_entry, 'refunded', v_plan), p_entry::text, p_key, v_now);
  b := x.b; e := x.e;
  insert into credit_grants (user_id, source, granted_seconds, remaining_seconds, expires_at, reference,
    idempotency_key, entry_id, refund_of_entry_id, created_at)
  select u.user_id, 'REFUND', (r ->> 'seconds')::bigint, (r ->> 'seconds')::bigint, (r ->> 'expiresAt')::timestamptz,
         p_entry::text, '~refund:' || p_key || '#' || ord, e.id, p_entry, e.created_at
    from jsonb_array_elements(v_plan) with ordinality as t(r, ord);
  b := vp_save_balance(b, v_now);
  v_result := jsonb_build_object('transaction', vp_entry_json(e),
    'grants', (select jsonb_agg(jsonb_build_object('seconds', r -> 'seconds', 'expiresAt', r -> 'expiresAt') order by ord)
                 from jsonb_array_elements(v_plan) with ordinality as t(r, ord)),
    'balance', vp_balance_json(b));
  perform vp_idem_put(u.user_id, p_key, 'refundUsage', p_fingerprint, v_result, v_now);
  return v_result;
end $$;

-- A manual correction by an admin: a positive one is a non-expiring ADJUSTMENT grant, a negative
-- one debits grants in consumption order and cannot take the balance below zero.
create function vp_adjust(p_user uuid, p_seconds bigint, p_reason text, p_key text, p_fingerprint text,
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

-- Closes a period whose end has passed: the PLAN seconds left expire, the rollover the plan allows
-- becomes a ROLLOVER grant for the next period, and the overage cents are fixed:
-- round half up (overage seconds * rate / 60), capped by the overage limit. Closing twice answers
-- the first result.
create function vp_close_period(p_period uuid, p_now timestamptz) returns jsonb language plpgsql as $$
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
`;
