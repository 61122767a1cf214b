// A user (or an admin for them) asks for the account to be erased (Art. 17). The request is stored
// with its audit entry in one transaction, then the erasure job is enqueued; asking again answers
// the same request and enqueues the same job.
import { withTransaction } from '../../db/transaction';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import { asDate, asDateOrNull } from '../../shared/time';
import { writeAudit, type Actor } from '../audit/audit';
import type { Em } from '../../db/em';
import { checkId } from '../ledger/validate';
import type { ErasureJobs } from '../ports';

export interface ErasureRequestView {
  userId: string;
  status: 'PENDING' | 'COMPLETED';
  requestedAt: Date;
  completedAt: Date | null;
}

type Row = Record<string, unknown>;
export const toErasureRequest = (r: Row): ErasureRequestView => ({
  userId: r.user_id as string,
  status: r.status as ErasureRequestView['status'],
  requestedAt: asDate(r.requested_at as Date),
  completedAt: asDateOrNull(r.completed_at as Date | null),
});

export async function requestAccountDeletion(
  deps: { em: Em; actor: Actor; jobs: ErasureJobs | null },
  input: { userId: string },
): Promise<Result<ErasureRequestView>> {
  const bad = checkId(input.userId, 'userId', ErrorCode.USER_NOT_FOUND);
  if (bad) return bad;
  const r = await withTransaction(deps.em, async (tx) => {
    const [user] = await tx.query('select id from users where id = $1 for no key update', [input.userId]);
    if (!user) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
    const inserted = await tx.query(
      `insert into erasure_requests (user_id, requested_by, requested_by_role) values ($1, $2, $3)
       on conflict (user_id) do nothing returning user_id`,
      [input.userId, deps.actor.id, deps.actor.role],
    );
    if (inserted.length) {
      await writeAudit(tx, {
        actor: deps.actor,
        action: 'ACCOUNT_DELETION_REQUESTED',
        targetUserId: input.userId,
        after: { status: 'PENDING' },
      });
    }
    const [row] = await tx.query('select * from erasure_requests where user_id = $1', [input.userId]);
    return { ok: true as const, value: toErasureRequest(row!) };
  });
  // after the commit: the job finds the request; if Redis is away, the sweep enqueues it later
  if (r.ok && r.value.status === 'PENDING' && deps.jobs) await deps.jobs.enqueue(input.userId);
  return r;
}

/** Requests still to be carried out, oldest first, for the sweep that (re-)enqueues their jobs. */
export async function pendingErasures(em: Em, olderThanSeconds: number, batchMax: number): Promise<string[]> {
  const rows = await em.getConnection().execute<{ user_id: string }[]>(
    `select user_id from erasure_requests
      where status = 'PENDING' and requested_at < now() - make_interval(secs => ?)
      order by requested_at limit ?`,
    [olderThanSeconds, batchMax],
  );
  return rows.map((r) => r.user_id);
}
