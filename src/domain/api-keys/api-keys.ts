// API keys: created once (the secret is returned only then), stored as a SHA-256 hash with a
// visible prefix, listed, revoked. USER keys only for plans with the api_access feature; SERVICE
// keys only by an ADMIN, for a user with the SERVICE role.
import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../db/entities/types';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import { asDate, asDateOrNull } from '../../shared/time';
import type { Em } from '../../db/em';
import { checkId, checkText, firstFailure } from '../ledger/validate';
import { withTransaction } from '../../db/transaction';
import { writeAudit, type Actor } from '../audit/audit';

export type ApiKeyRole = Extract<Role, 'USER' | 'SERVICE'>;

export interface ApiKeyView {
  id: string;
  userId: string;
  role: ApiKeyRole;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface CreatedApiKey {
  apiKey: ApiKeyView;
  /** The whole key; shown once, never stored. */
  secret: string;
}

export interface KeyOwner {
  userId: string;
  role: ApiKeyRole;
}

const KEY_PATTERN = /^vpk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

type Row = Record<string, unknown>;
const toView = (r: Row): ApiKeyView => ({
  id: r.id as string,
  userId: r.user_id as string,
  role: r.role as ApiKeyRole,
  name: r.name as string,
  prefix: r.prefix as string,
  createdAt: asDate(r.created_at as string),
  lastUsedAt: asDateOrNull(r.last_used_at as string | null),
  revokedAt: asDateOrNull(r.revoked_at as string | null),
});

export interface CreateApiKeyInput {
  /** Whose key it is. */
  userId: string;
  role: ApiKeyRole;
  name: string;
  /** Who asks (for the record). */
  createdBy: string;
}

export async function createApiKey(deps: { em: Em; actor?: Actor }, input: CreateApiKeyInput): Promise<Result<CreatedApiKey>> {
  const bad = firstFailure(
    typeof input.name === 'string' && input.name.trim().length > 0 ? checkText(input.name, 'name', 100) : fail(ErrorCode.INVALID_ARGUMENT, 'name'),
    input.role === 'USER' || input.role === 'SERVICE' ? null : fail(ErrorCode.INVALID_ARGUMENT, 'role'),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  const conn = deps.em.getConnection();
  const [owner] = await conn.execute<{ role: Role; features: string[] | null }[]>(
    `select u.role, pl.features from users u
       left join memberships ms on ms.user_id = u.id and ms.status in ('ACTIVE', 'TRIALING', 'PAST_DUE')
       left join plans pl on pl.code = ms.plan_code
      where u.id = ?`,
    [input.userId],
  );
  if (!owner) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  if (input.role === 'USER' && !(owner.features ?? []).includes('api_access')) {
    return fail(ErrorCode.API_ACCESS_NOT_IN_PLAN, 'userId');
  }
  if (input.role === 'SERVICE' && owner.role !== 'SERVICE') return fail(ErrorCode.INVALID_ARGUMENT, 'role');
  const prefix = randomBytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = `vpk_${prefix}_${randomBytes(32).toString('base64url')}`;
  const apiKey = await withTransaction(deps.em, async (tx) => {
    const [row] = await tx.query(`insert into api_keys (user_id, role, name, prefix, secret_hash, created_by) values ($1, $2, $3, $4, $5, $6) returning *`, [
      input.userId,
      input.role,
      input.name.trim(),
      `vpk_${prefix}`,
      hashSecret(secret),
      input.createdBy,
    ]);
    const view = toView(row!);
    // the name is the owner's free text: it stays out of the audit log
    if (deps.actor) {
      await writeAudit(tx, {
        actor: deps.actor,
        action: 'API_KEY_CREATED',
        targetUserId: view.userId,
        subjectId: view.id,
        after: { apiKeyId: view.id, prefix: view.prefix, role: view.role },
      });
    }
    return view;
  });
  return { ok: true, value: { apiKey, secret } };
}

export async function listApiKeys(deps: { em: Em }, userId: string): Promise<ApiKeyView[]> {
  const rows = await deps.em.getConnection().execute<Row[]>('select * from api_keys where user_id = ? order by created_at desc limit 100', [userId]);
  return rows.map(toView);
}

export async function findApiKey(deps: { em: Em }, id: string): Promise<ApiKeyView | null> {
  if (checkId(id, 'id', ErrorCode.API_KEY_NOT_FOUND)) return null;
  const [row] = await deps.em.getConnection().execute<Row[]>('select * from api_keys where id = ?', [id]);
  return row ? toView(row) : null;
}

/** Revoking twice answers the first revocation; only the first writes an audit entry. */
export async function revokeApiKey(deps: { em: Em; actor?: Actor }, id: string): Promise<Result<ApiKeyView>> {
  const bad = checkId(id, 'id', ErrorCode.API_KEY_NOT_FOUND);
  if (bad) return bad;
  return withTransaction(deps.em, async (tx) => {
    const [row] = await tx.query(
      `update api_keys k set revoked_at = coalesce(k.revoked_at, now())
         from (select id, revoked_at from api_keys where id = $1 for update) old
        where k.id = old.id returning k.*, old.revoked_at as was_revoked_at`,
      [id],
    );
    if (!row) return fail(ErrorCode.API_KEY_NOT_FOUND, 'id');
    const view = toView(row);
    if (deps.actor && row.was_revoked_at === null) {
      await writeAudit(tx, {
        actor: deps.actor,
        action: 'API_KEY_REVOKED',
        targetUserId: view.userId,
        subjectId: view.id,
        before: { revokedAt: null },
        after: { revokedAt: view.revokedAt!.toISOString(), prefix: view.prefix },
      });
    }
    return { ok: true, value: view };
  });
}

/** Why a presented key does not authenticate (its holder may know; it tells nobody else anything). */
export type ApiKeyRefusal = 'unknown' | 'revoked' | 'unbacked';

/**
 * The owner of a presented key, or why not: unknown (or malformed), revoked, or no longer backed —
 * a SERVICE key whose user lost the SERVICE role, a USER key whose plan lost api_access.
 */
export async function checkApiKey(deps: { em: Em }, secret: string): Promise<{ ok: true; owner: KeyOwner } | { ok: false; why: ApiKeyRefusal }> {
  if (!KEY_PATTERN.test(secret)) return { ok: false, why: 'unknown' };
  const conn = deps.em.getConnection();
  const [row] = await conn.execute<{ id: string; user_id: string; role: ApiKeyRole; revoked: boolean; backed: boolean; stale: boolean }[]>(
    `select k.id, k.user_id, k.role, k.revoked_at is not null as revoked,
            case when k.role = 'SERVICE' then u.role = 'SERVICE'
                 else coalesce('api_access' = any(pl.features), false) end as backed,
            k.last_used_at is null or k.last_used_at < now() - interval '1 minute' as stale
       from api_keys k
       join users u on u.id = k.user_id
       left join memberships ms on ms.user_id = k.user_id and ms.status in ('ACTIVE', 'TRIALING', 'PAST_DUE')
       left join plans pl on pl.code = ms.plan_code
      where k.secret_hash = ?`,
    [hashSecret(secret)],
  );
  if (!row) return { ok: false, why: 'unknown' };
  if (row.revoked) return { ok: false, why: 'revoked' };
  if (!row.backed) return { ok: false, why: 'unbacked' };
  // last use, at most once a minute per key (a write per request would cost more than the request)
  if (row.stale) await conn.execute('update api_keys set last_used_at = now() where id = ?', [row.id]);
  return { ok: true, owner: { userId: row.user_id, role: row.role } };
}

/** The owner of a presented key, or null when checkApiKey refuses it. */
export async function authenticateApiKey(deps: { em: Em }, secret: string): Promise<KeyOwner | null> {
  const r = await checkApiKey(deps, secret);
  return r.ok ? r.owner : null;
}
