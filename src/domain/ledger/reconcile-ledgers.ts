// The scheduled reconciliation (billing rules §6): every user's books checked against every
// invariant and the hash chain, in batches. Drift is reported — an audit entry (one per distinct
// finding, not one per run), a log line, and the returned list for a metric — and never repaired:
// a broken ledger is for a person to look at.
import { limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';
import { SYSTEM_ACTOR, writeAudit } from '../audit/audit';
import type { Em } from '../../db/em';
import { verifyLedger, type LedgerProblem, type LedgerReport } from './verify-ledger';

export interface LedgerDrift {
  userId: string;
  /** The first bad sequence number; null when the breach has no entry (e.g. balance ≠ sum of grants). */
  firstBadSequence: number | null;
  /** The invariant(s) broken at the first bad sequence (or all, when there is none). */
  invariants: LedgerProblem['invariant'][];
  problems: LedgerProblem[];
  entriesChecked: number;
  balanceSeconds: number;
}

export interface ReconcileOutcome {
  usersChecked: number;
  drift: LedgerDrift[];
  /** Users whose check itself failed (an error, not a finding): retried next run. */
  errors: { userId: string; message: string }[];
}

export interface ReconcileDeps {
  em: Em;
  /** Anything with pino's warn/error shape. */
  logger?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Told of each drift as it is found (e.g. a metric). */
  onDrift?: (drift: LedgerDrift) => void;
  batchUsersMax?: number;
  concurrencyMax?: number;
}

export function toDrift(r: LedgerReport): LedgerDrift {
  const first = r.firstBadSequence;
  const at = first === null ? r.problems : r.problems.filter((p) => p.sequence === first);
  return {
    userId: r.userId,
    firstBadSequence: first,
    invariants: [...new Set(at.map((p) => p.invariant))].sort(),
    problems: r.problems,
    entriesChecked: r.entriesChecked,
    balanceSeconds: r.balanceSeconds,
  };
}

export async function reconcileAllLedgers(deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const batch = deps.batchUsersMax ?? limits.reconcileBatchUsersMax;
  const concurrency = deps.concurrencyMax ?? limits.reconcileConcurrencyMax;
  const out: ReconcileOutcome = { usersChecked: 0, drift: [], errors: [] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const users = await deps.em
      .getConnection()
      .execute<{ user_id: string }[]>('select user_id from credit_balances where user_id > ? order by user_id limit ?', [after, batch]);
    for (let i = 0; i < users.length; i += concurrency) {
      await Promise.all(
        users.slice(i, i + concurrency).map(async ({ user_id: userId }) => {
          try {
            const report = await verifyLedger({ em: deps.em }, userId);
            out.usersChecked += 1;
            if (!report.ok) await reportDrift(deps, toDrift(report), out);
          } catch (err) {
            out.errors.push({ userId, message: (err as Error).message });
            deps.logger?.error({ userId, err }, 'ledger reconciliation could not check a user');
          }
        }),
      );
    }
    if (users.length < batch) break;
    after = users[users.length - 1]!.user_id;
  }
  return out;
}

/** The audit entry is written once per distinct finding (same first sequence and problems). */
export async function recordDrift(em: Em, d: LedgerDrift): Promise<boolean> {
  const signature = d.problems.map((p) => `${p.invariant}@${p.sequence ?? '-'}`).join(',');
  return withTransaction(em, (tx) =>
    writeAudit(tx, {
      actor: SYSTEM_ACTOR,
      action: 'LEDGER_DRIFT_FOUND',
      targetUserId: d.userId,
      dedupeKey: `drift:${d.firstBadSequence ?? '-'}:${signature}`,
      after: {
        firstBadSequence: d.firstBadSequence,
        invariants: d.invariants,
        entriesChecked: d.entriesChecked,
        balanceSeconds: d.balanceSeconds,
        problems: d.problems.map((p) => ({ invariant: p.invariant, sequence: p.sequence ?? null })),
      },
    }),
  );
}

async function reportDrift(deps: ReconcileDeps, d: LedgerDrift, out: ReconcileOutcome): Promise<void> {
  out.drift.push(d);
  const fresh = await recordDrift(deps.em, d);
  deps.logger?.warn(
    {
      userId: d.userId,
      firstBadSequence: d.firstBadSequence,
      invariants: d.invariants,
      problems: d.problems.map((p) => `${p.invariant}@${p.sequence ?? '-'}: ${p.message}`),
      newFinding: fresh,
    },
    'ledger drift found (not repaired)',
  );
  deps.onDrift?.(d);
}
