// An operator processes a stored Stripe event again (safe: processing is idempotent). The status
// change and its audit entry commit together; the job is enqueued after the commit.
import { withTransaction } from '../../db/transaction';
import { ErrorCode, fail, type Result } from '../../shared/errors';
import { writeAudit, type Actor } from '../audit/audit';
import type { Em } from '../../db/em';
import type { WebhookJobs } from '../ports';

export async function retryWebhookEvent(
  deps: { em: Em; jobs: WebhookJobs | null; actor: Actor },
  input: { id: string },
): Promise<Result<{ statusBefore: string }>> {
  if (!deps.jobs) return fail(ErrorCode.STRIPE_NOT_CONFIGURED);
  if (typeof input.id !== 'string' || input.id.length < 1 || input.id.length > 255) return fail(ErrorCode.WEBHOOK_EVENT_NOT_FOUND, 'id');
  const r = await withTransaction(deps.em, async (tx) => {
    const [row] = await tx.query<{ status: string }>('select status from webhook_events where id = $1 for update', [input.id]);
    if (!row) return fail(ErrorCode.WEBHOOK_EVENT_NOT_FOUND, 'id');
    const [after] = await tx.query<{ status: string }>(
      `update webhook_events set status = case when status in ('FAILED', 'PROCESSING') then 'RECEIVED' else status end
        where id = $1 returning status`,
      [input.id],
    );
    await writeAudit(tx, {
      actor: deps.actor,
      action: 'WEBHOOK_EVENT_RETRIED',
      targetUserId: null,
      subjectId: input.id,
      before: { status: row.status },
      after: { status: after!.status },
    });
    return { ok: true as const, value: { statusBefore: row.status } };
  });
  if (r.ok) await deps.jobs.retry(input.id);
  return r;
}
