// Reconciliation with Stripe (billing rules §5): a webhook can be lost for good (the endpoint was
// down for more than Stripe's three days, or an event was disabled). Each pass takes the
// memberships checked longest ago, fetches their subscriptions and recent paid invoices, and
// applies what is missing — through the same idempotent paths the webhooks use, so a repair never
// doubles a grant. It writes the membership only if no event was applied meanwhile.
import type { Stripe } from './client';
import { applyPaidInvoice } from '../domain/billing/apply-paid-invoice';
import { GrantRefused } from '../domain/billing/failures';
import { mirrorSubscription } from '../domain/memberships/mirror-subscription';
import { ErrorCode } from '../shared/errors';
import { paidInvoiceOf, STATUS, subscriptionState } from './translate';
import type { ProcessDeps } from './deps';

export interface ReconcileReport {
  checked: number;
  /** Memberships whose mirror differed from Stripe and was repaired. */
  repairedMemberships: number;
  /** Grants of paid invoices that were missing and are now made. */
  repairedGrants: number;
  failed: number;
}

interface Row {
  user_id: string;
  stripe_subscription_id: string;
  plan_code: string;
  status: string;
  current_period_start: Date | null;
  current_period_end: Date | null;
  cancel_at_period_end: boolean;
  stripe_event_at: Date | null;
}

export async function reconcileStripe(deps: ProcessDeps, batchMax: number): Promise<ReconcileReport> {
  const conn = deps.em.getConnection();
  const rows = await conn.execute<Row[]>(
    `select user_id, stripe_subscription_id, plan_code, status, current_period_start, current_period_end, cancel_at_period_end, stripe_event_at
       from memberships
      where stripe_subscription_id is not null
        and (status <> 'CANCELED' or reconciled_at is null or reconciled_at < stripe_event_at)
      order by reconciled_at nulls first limit ?`,
    [batchMax],
  );
  const report: ReconcileReport = { checked: 0, repairedMemberships: 0, repairedGrants: 0, failed: 0 };
  for (const m of rows) {
    try {
      const sub = await deps.stripe.subscriptions.retrieve(m.stripe_subscription_id);
      // just after what we hold: an event applied meanwhile is newer, and wins
      const asOf = new Date((m.stripe_event_at ? new Date(m.stripe_event_at).getTime() : (deps.clock.now() ?? new Date()).getTime()) + 1);
      const drift = differs(m, sub, deps.prices);
      if (drift.length) {
        const after = await mirrorSubscription(deps, asOf, subscriptionState(deps.prices, sub));
        deps.logger.warn(
          { userId: m.user_id, subscription: sub.id, fields: drift, status: after.status, plan: after.planCode },
          'reconciliation: membership differed from Stripe (a webhook was missed); repaired',
        );
        report.repairedMemberships += 1;
      }
      const invoices = await deps.stripe.invoices.list({ subscription: sub.id, status: 'paid', limit: 5 });
      const before = await grantCount(deps, m.user_id);
      for (const invoice of invoices.data) {
        await applyPaidInvoice(deps, paidInvoiceOf(deps.prices, invoice)).catch((err: unknown) => {
          // an invoice of an ended period cannot be granted any more (INVALID_PERIOD): not a repair
          if (!(err instanceof GrantRefused && err.code === ErrorCode.INVALID_PERIOD)) throw err;
        });
      }
      const repaired = (await grantCount(deps, m.user_id)) - before;
      if (repaired > 0) {
        deps.logger.warn(
          { userId: m.user_id, invoices: invoices.data.map((i) => i.id), grants: repaired },
          'reconciliation: paid invoices had not been granted (a webhook was missed); granted',
        );
        report.repairedGrants += repaired;
      }
      await conn.execute('update memberships set reconciled_at = now() where user_id = ?', [m.user_id]);
      report.checked += 1;
    } catch (err) {
      report.failed += 1;
      // to the back of the line all the same: a membership that fails every time must not keep the
      // others from being checked
      await conn.execute('update memberships set reconciled_at = now() where user_id = ?', [m.user_id]).catch(() => undefined);
      deps.logger.error(
        { userId: m.user_id, subscription: m.stripe_subscription_id, err: (err as Error).message },
        'reconciliation of a membership failed; next pass retries',
      );
    }
  }
  if (report.repairedMemberships || report.repairedGrants || report.failed) deps.logger.info(report, 'reconciliation pass');
  return report;
}

function differs(m: Row, sub: Stripe.Subscription, prices: Record<string, string>): string[] {
  const item = sub.items.data[0];
  const out: string[] = [];
  if (STATUS[sub.status] !== m.status) out.push('status');
  if (sub.cancel_at_period_end !== m.cancel_at_period_end) out.push('cancelAtPeriodEnd');
  const ms = (d: Date | null) => (d ? new Date(d).getTime() : null);
  if (item && ms(m.current_period_start) !== item.current_period_start * 1000) out.push('currentPeriodStart');
  if (item && ms(m.current_period_end) !== item.current_period_end * 1000) out.push('currentPeriodEnd');
  const plan = Object.entries(prices).find(([, id]) => id === item?.price.id)?.[0] ?? null;
  if (plan !== m.plan_code) out.push('plan');
  return out;
}

async function grantCount(deps: ProcessDeps, userId: string): Promise<number> {
  const [r] = await deps.em.getConnection().execute<{ n: string }[]>('select count(*) as n from credit_grants where user_id = ?', [userId]);
  return Number(r!.n);
}
