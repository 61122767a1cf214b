// The audit log for operators: newest first, keyset-paginated by entry id, filtered by actor,
// target user, actions and time.
import { limits } from '../../config/limits';
import { asDate } from '../../shared/time';
import type { Em } from '../../db/em';
import type { ActorRole, AuditAction } from './audit';

export interface AuditEntryView {
  id: string;
  occurredAt: Date;
  actorId: string | null;
  actorRole: ActorRole;
  action: AuditAction;
  targetUserId: string | null;
  subjectId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AuditFilter {
  first?: number | null;
  /** Entries with a smaller id than this (the cursor). */
  beforeId?: number | null;
  actorId?: string | null;
  targetUserId?: string | null;
  actions?: AuditAction[] | null;
  /** Inclusive. */
  from?: Date | null;
  /** Exclusive. */
  to?: Date | null;
}

export interface AuditPage {
  items: AuditEntryView[];
  hasNextPage: boolean;
  totalCount: number;
}

type Row = Record<string, unknown>;
const toEntry = (r: Row): AuditEntryView => ({
  id: String(r.id),
  occurredAt: asDate(r.occurred_at as string),
  actorId: (r.actor_id as string | null) ?? null,
  actorRole: r.actor_role as ActorRole,
  action: r.action as AuditAction,
  targetUserId: (r.target_user_id as string | null) ?? null,
  subjectId: (r.subject_id as string | null) ?? null,
  before: (r.before as Record<string, unknown> | null) ?? null,
  after: (r.after as Record<string, unknown> | null) ?? null,
});

export async function listAuditLog(em: Em, f: AuditFilter): Promise<AuditPage> {
  const size = Math.max(1, Math.min(limits.pageSizeMax, Math.trunc(f.first ?? limits.pageSizeDefault)));
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    where.push(sql);
    params.push(value);
  };
  if (f.actorId) add('actor_id = ?', f.actorId);
  if (f.targetUserId) add('target_user_id = ?', f.targetUserId);
  if (f.actions?.length) add('action = any(?::text[])', `{${f.actions.join(',')}}`); // enum values: nothing to escape
  if (f.from) add('occurred_at >= ?', f.from);
  if (f.to) add('occurred_at < ?', f.to);
  const filter = where.length ? where.join(' and ') : 'true';
  const page = f.beforeId ? `${filter} and id < ?` : filter;
  const pageParams = f.beforeId ? [...params, f.beforeId] : params;
  const conn = em.getConnection();
  const [rows, count] = await Promise.all([
    conn.execute<Row[]>(`select * from audit_log where ${page} order by id desc limit ?`, [...pageParams, size + 1]),
    conn.execute<{ n: string }[]>(`select count(*) as n from audit_log where ${filter}`, params),
  ]);
  return { items: rows.slice(0, size).map(toEntry), hasNextPage: rows.length > size, totalCount: Number(count[0]?.n ?? 0) };
}
