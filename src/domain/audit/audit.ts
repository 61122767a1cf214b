// The audit log (billing rules §10): who did what to whom, when, before and after — for every admin
// action and every change to personal data or money by hand. Entries are written in the same
// transaction as the change they record, and the table refuses UPDATE, DELETE and TRUNCATE.
//
// Entries never hold personal data: the log is append-only, so it could not be cleaned when a user
// is erased. `before`/`after` take ids, codes, numbers, booleans and timestamps only — a string
// with a space or an "@" (free text, an email) is a programmer error and refused here.
import { createHash } from 'node:crypto';
import type { Tx } from '../../db/transaction';
import { assert } from '../../shared/assert';

export const AUDIT_ACTIONS = [
  'USER_CREATED',
  'CREDITS_GRANTED',
  'USAGE_REFUNDED',
  'CREDITS_ADJUSTED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'OVERAGE_LIMIT_SET',
  'WEBHOOK_EVENT_RETRIED',
  'CONSENT_GRANTED',
  'CONSENT_REVOKED',
  'DATA_EXPORT_REQUESTED',
  'ACCOUNT_DELETION_REQUESTED',
  'USER_ERASED',
  'LEDGER_DRIFT_FOUND',
  'RENEWAL_UNPAID_EXPIRED',
  'DUPLICATE_SUBSCRIPTION_CANCELED',
  // changes of membership (billing rules §10): asked for by the user, then applied by Stripe's webhook
  'CHECKOUT_STARTED',
  'CHECKOUT_COMPLETED',
  'PLAN_CHANGE_REQUESTED',
  'PLAN_CHANGED',
  'CANCELLATION_REQUESTED',
  'SUBSCRIPTION_ENDED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const ACTOR_ROLES = ['USER', 'SERVICE', 'ADMIN', 'SYSTEM', 'STRIPE'] as const;
export type ActorRole = (typeof ACTOR_ROLES)[number];

/** Who acts: a principal (user id and role), the system itself (a job), or Stripe (its webhooks). */
export interface Actor {
  id: string | null;
  role: ActorRole;
}

export const SYSTEM_ACTOR: Actor = { id: null, role: 'SYSTEM' };
/** Stripe, as the author of what its webhooks tell (a checkout completed, a plan applied, a subscription ended). */
export const STRIPE_ACTOR: Actor = { id: null, role: 'STRIPE' };

export type AuditValue = string | number | boolean | null | AuditValue[] | { [k: string]: AuditValue };
export type AuditJson = { [k: string]: AuditValue };

export interface AuditDraft {
  actor: Actor;
  action: AuditAction;
  targetUserId: string | null;
  /** The object acted on: a transaction, API key, webhook event or consent record id. */
  subjectId?: string | null;
  before?: AuditJson | null;
  after?: AuditJson | null;
  /** What makes two requests one effect (an idempotency key): a second entry with it is not written. */
  dedupeKey?: string | null;
}

// ids, codes, ISO timestamps, Stripe ids: no spaces, no "@"
const SAFE_TEXT = /^[A-Za-z0-9_.:+~-]{0,128}$/;

function assertNoPersonalData(v: AuditValue, path: string): void {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return;
  if (typeof v === 'string') {
    assert(SAFE_TEXT.test(v), `audit value at ${path} looks like free text or personal data`);
    return;
  }
  if (Array.isArray(v)) return v.forEach((x, i) => assertNoPersonalData(x, `${path}[${i}]`));
  for (const [k, x] of Object.entries(v)) assertNoPersonalData(x, `${path}.${k}`);
}

export function dedupeHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Writes one entry inside the caller's transaction; answers false when its dedupe key was seen. */
export async function writeAudit(tx: Tx, d: AuditDraft): Promise<boolean> {
  assert((AUDIT_ACTIONS as readonly string[]).includes(d.action), `unknown audit action ${d.action}`);
  assert((ACTOR_ROLES as readonly string[]).includes(d.actor.role), `unknown actor role ${d.actor.role}`);
  if (d.before) assertNoPersonalData(d.before, 'before');
  if (d.after) assertNoPersonalData(d.after, 'after');
  if (d.subjectId) assertNoPersonalData(d.subjectId, 'subjectId');
  const rows = await tx.query(
    `insert into audit_log (actor_id, actor_role, action, target_user_id, subject_id, before, after, dedupe_key)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing returning id`,
    [
      d.actor.id,
      d.actor.role,
      d.action,
      d.targetUserId,
      d.subjectId ?? null,
      d.before ? JSON.stringify(d.before) : null,
      d.after ? JSON.stringify(d.after) : null,
      d.dedupeKey ? dedupeHash(d.dedupeKey) : null,
    ],
  );
  return rows.length === 1;
}
