// Batch reads by id for the API's loaders: each answers many ids with one query.
import type { GrantSource, MembershipStatus, PlanCode, ReservationStatus, Role } from '../../db/entities/types';
import { asDate, asDateOrNull } from '../../shared/time';
import { query, type Em } from '../../db/em';
import type { MembershipView } from '../memberships/set-membership';

type Row = Record<string, unknown>;

export interface UserRow {
  id: string;
  email: string;
  role: Role;
  timeZone: string;
  createdAt: Date;
}

/** A membership as stored: its view's fields, the overage limit as set (null: the plan's price), and a scheduled downgrade. */
export interface MembershipRow extends Omit<MembershipView, 'overageLimitCents'> {
  storedOverageLimitCents: number | null;
  /** A downgrade waiting for the period end. */
  scheduledPlanCode: PlanCode | null;
  scheduledChangeAt: Date | null;
}

export interface PlanRow {
  code: PlanCode;
  name: string;
  priceCents: number;
  currency: string;
  includedSeconds: number;
  overageCentsPerMinute: number;
  usageIncrementSeconds: number;
  rolloverMaxSeconds: number;
  features: string[];
}

export interface GrantRow {
  id: string;
  userId: string;
  source: GrantSource;
  grantedSeconds: number;
  remainingSeconds: number;
  expiresAt: Date | null;
  reference: string | null;
  createdAt: Date;
}

export interface ReservationRow {
  id: string;
  userId: string;
  status: ReservationStatus;
  reservedSeconds: number;
  expiresAt: Date;
  createdAt: Date;
  usedSeconds: number | null;
  billedSeconds: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A Postgres array literal of ids (validated, so nothing to escape); the query builder would expand a JS array. */
export const uuidArray = (ids: readonly string[]) => `{${ids.filter((id) => UUID.test(id)).join(',')}}`;
const nullableNumber = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function usersByIds(em: Em, ids: readonly string[]): Promise<Map<string, UserRow>> {
  const rows = await query<Row>(em, 'select * from users where id = any($1::uuid[])', [uuidArray(ids)]);
  return new Map(
    rows.map((r) => [
      r.id as string,
      {
        id: r.id as string,
        email: r.email as string,
        role: r.role as Role,
        timeZone: r.time_zone as string,
        createdAt: asDate(r.created_at as string),
      },
    ]),
  );
}

export async function membershipsByUserIds(em: Em, ids: readonly string[]): Promise<Map<string, MembershipRow>> {
  const rows = await query<Row>(em, 'select * from memberships where user_id = any($1::uuid[])', [uuidArray(ids)]);
  return new Map(
    rows.map((r) => [
      r.user_id as string,
      {
        id: r.id as string,
        userId: r.user_id as string,
        planCode: r.plan_code as PlanCode,
        status: r.status as MembershipStatus,
        currentPeriodStart: asDateOrNull(r.current_period_start as string | null),
        currentPeriodEnd: asDateOrNull(r.current_period_end as string | null),
        cancelAtPeriodEnd: r.cancel_at_period_end as boolean,
        storedOverageLimitCents: nullableNumber(r.overage_limit_cents),
        scheduledPlanCode: (r.scheduled_plan_code as PlanCode | null) ?? null,
        scheduledChangeAt: asDateOrNull(r.scheduled_change_at as string | null),
      },
    ]),
  );
}

export async function allPlans(em: Em): Promise<PlanRow[]> {
  const rows = await em.getConnection().execute<Row[]>('select * from plans order by sort_order');
  return rows.map((r) => ({
    code: r.code as PlanCode,
    name: r.name as string,
    priceCents: Number(r.price_cents),
    currency: (r.currency as string).trim(),
    includedSeconds: Number(r.included_seconds),
    overageCentsPerMinute: Number(r.overage_cents_per_minute),
    usageIncrementSeconds: Number(r.usage_increment_seconds),
    rolloverMaxSeconds: Number(r.rollover_max_seconds),
    features: r.features as string[],
  }));
}

export async function grantsByIds(em: Em, ids: readonly string[]): Promise<Map<string, GrantRow>> {
  const rows = await em.getConnection().execute<Row[]>('select * from credit_grants where id = any(?::uuid[])', [uuidArray(ids)]);
  return new Map(
    rows.map((r) => [
      r.id as string,
      {
        id: r.id as string,
        userId: r.user_id as string,
        source: r.source as GrantSource,
        grantedSeconds: Number(r.granted_seconds),
        remainingSeconds: Number(r.remaining_seconds),
        expiresAt: asDateOrNull(r.expires_at as string | null),
        reference: (r.reference as string | null) ?? null,
        createdAt: asDate(r.created_at as string),
      },
    ]),
  );
}

export async function findReservation(em: Em, id: string): Promise<ReservationRow | null> {
  if (!UUID.test(id)) return null;
  const [r] = await em.getConnection().execute<Row[]>('select * from reservations where id = ?', [id]);
  if (!r) return null;
  return {
    id: r.id as string,
    userId: r.user_id as string,
    status: r.status as ReservationStatus,
    reservedSeconds: Number(r.reserved_seconds),
    expiresAt: asDate(r.expires_at as string),
    createdAt: asDate(r.created_at as string),
    usedSeconds: nullableNumber(r.used_seconds),
    billedSeconds: nullableNumber(r.billed_seconds),
  };
}

/** Whose object is it? For authorization of ids that name a reservation or a transaction. */
export async function ownerOf(em: Em, kind: 'reservation' | 'transaction', id: string): Promise<string | null> {
  if (!UUID.test(id)) return null;
  const table = kind === 'reservation' ? 'reservations' : 'ledger_entries';
  const [r] = await em.getConnection().execute<{ user_id: string }[]>(`select user_id from ${table} where id = ?`, [id]);
  return r?.user_id ?? null;
}
