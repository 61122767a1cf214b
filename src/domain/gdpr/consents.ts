// Consent for voice processing, recording and training (billing rules §10): every grant and
// revocation is a row of an append-only history; the current state of a purpose is its newest row.
// Granting what is granted (same policy version) or revoking what is not granted changes nothing
// and answers the current state, so a retried request has one effect.
import { limits } from '../../config/limits';
import { withTransaction, type Tx } from '../../db/transaction';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import { asDate } from '../../shared/time';
import { writeAudit, type Actor, type ActorRole } from '../audit/audit';
import type { Em } from '../../db/em';
import { checkId, firstFailure } from '../ledger/validate';

export const CONSENT_PURPOSES = ['VOICE_PROCESSING', 'VOICE_RECORDING', 'VOICE_TRAINING'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export interface ConsentRecordView {
  id: string;
  userId: string;
  purpose: ConsentPurpose;
  granted: boolean;
  policyVersion: string;
  source: string;
  recordedByRole: ActorRole;
  createdAt: Date;
}

export interface ConsentState {
  purpose: ConsentPurpose;
  granted: boolean;
  /** The policy version of the newest record; null when the purpose was never decided. */
  policyVersion: string | null;
  source: string | null;
  changedAt: Date | null;
}

export interface ConsentOutcome {
  /** The new history row; null when the request changed nothing. */
  record: ConsentRecordView | null;
  current: ConsentState[];
}

const POLICY_VERSION = /^[A-Za-z0-9._-]{1,32}$/;
const SOURCE = /^[A-Za-z0-9._:-]{1,64}$/;

type Row = Record<string, unknown>;
const toRecord = (r: Row): ConsentRecordView => ({
  id: String(r.id),
  userId: r.user_id as string,
  purpose: r.purpose as ConsentPurpose,
  granted: r.granted as boolean,
  policyVersion: r.policy_version as string,
  source: r.source as string,
  recordedByRole: r.recorded_by_role as ActorRole,
  createdAt: asDate(r.created_at as string | Date),
});

export interface ConsentInput {
  userId: string;
  purpose: ConsentPurpose;
  /** Required to grant; to revoke, defaults to the version that was granted. */
  policyVersion?: string | null;
  /** Where the decision was made, a short code: "web", "app:ios", "support". */
  source: string;
}

export function grantConsent(deps: { em: Em; actor: Actor }, input: ConsentInput): Promise<Result<ConsentOutcome>> {
  return decide(deps, input, true);
}

export function revokeConsent(deps: { em: Em; actor: Actor }, input: ConsentInput): Promise<Result<ConsentOutcome>> {
  return decide(deps, input, false);
}

async function decide(deps: { em: Em; actor: Actor }, input: ConsentInput, granted: boolean): Promise<Result<ConsentOutcome>> {
  const pv = input.policyVersion;
  // a grant names the policy it agrees to; a revocation may leave it to the one granted
  const pvOk = pv === null || pv === undefined ? !granted : typeof pv === 'string' && POLICY_VERSION.test(pv);
  const bad = firstFailure(
    (CONSENT_PURPOSES as readonly string[]).includes(input.purpose) ? null : fail(ErrorCode.INVALID_ARGUMENT, 'purpose'),
    pvOk ? null : fail(ErrorCode.INVALID_ARGUMENT, 'policyVersion'),
    typeof input.source === 'string' && SOURCE.test(input.source) ? null : fail(ErrorCode.INVALID_ARGUMENT, 'source'),
    checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND),
  );
  if (bad) return bad;
  return withTransaction(deps.em, async (tx) => {
    // one decision at a time per user (no key lock: rows referencing users keep inserting)
    const [user] = await tx.query<{ erased_at: string | null }>('select erased_at from users where id = $1 for no key update', [input.userId]);
    if (!user) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
    if (user.erased_at) return fail(ErrorCode.ACCOUNT_ERASED, 'userId');
    const before = (await currentStates(tx, input.userId)).find((c) => c.purpose === input.purpose)!;
    const version = input.policyVersion ?? before.policyVersion;
    const unchanged = granted ? before.granted && before.policyVersion === version : !before.granted;
    if (unchanged || !version) return { ok: true as const, value: { record: null, current: await currentStates(tx, input.userId) } };
    const [row] = await tx.query(
      `insert into consent_records (user_id, purpose, granted, policy_version, source, recorded_by, recorded_by_role)
       values ($1, $2, $3, $4, $5, $6, $7) returning *`,
      [input.userId, input.purpose, granted, version, input.source, deps.actor.id, deps.actor.role],
    );
    const record = toRecord(row!);
    await writeAudit(tx, {
      actor: deps.actor,
      action: granted ? 'CONSENT_GRANTED' : 'CONSENT_REVOKED',
      targetUserId: input.userId,
      subjectId: record.id,
      before: { purpose: input.purpose, granted: before.granted, policyVersion: before.policyVersion },
      after: { purpose: input.purpose, granted, policyVersion: version, source: input.source },
    });
    return { ok: true as const, value: { record, current: await currentStates(tx, input.userId) } };
  });
}

/** The newest decision per purpose; purposes never decided answer "not granted". */
export async function currentStates(tx: Pick<Tx, 'query'>, userId: string): Promise<ConsentState[]> {
  const rows = await tx.query(
    `select distinct on (purpose) purpose, granted, policy_version, source, created_at
       from consent_records where user_id = $1 order by purpose, id desc`,
    [userId],
  );
  return CONSENT_PURPOSES.map((purpose) => {
    const r = rows.find((x) => x.purpose === purpose);
    return r
      ? {
          purpose,
          granted: r.granted as boolean,
          policyVersion: r.policy_version as string,
          source: r.source as string,
          changedAt: asDate(r.created_at as Date),
        }
      : { purpose, granted: false, policyVersion: null, source: null, changedAt: null };
  });
}

export interface ConsentHistoryPage {
  items: ConsentRecordView[];
  hasNextPage: boolean;
  totalCount: number;
  current: ConsentState[];
}

/** The history, newest first, keyset-paginated by record id, with the current state per purpose. */
export async function listConsents(em: Em, f: { userId: string; first?: number | null; beforeId?: number | null }): Promise<ConsentHistoryPage> {
  const size = Math.max(1, Math.min(limits.pageSizeMax, Math.trunc(f.first ?? limits.pageSizeDefault)));
  return withTransaction(
    em,
    async (tx) => {
      const rows = await tx.query(`select * from consent_records where user_id = $1 and ($2::bigint is null or id < $2) order by id desc limit $3`, [
        f.userId,
        f.beforeId ?? null,
        size + 1,
      ]);
      const [count] = await tx.query<{ n: string }>('select count(*) as n from consent_records where user_id = $1', [f.userId]);
      return {
        items: rows.slice(0, size).map(toRecord),
        hasNextPage: rows.length > size,
        totalCount: Number(count?.n ?? 0),
        current: await currentStates(tx, f.userId),
      };
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}
