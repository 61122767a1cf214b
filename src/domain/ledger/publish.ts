// What a committed ledger answer tells: its balance and the usage alerts it raised are published
// (after the commit, never before), then it is returned.
import type { Result } from '../../shared/errors';
import { ok } from '../../shared/errors';
import type { LedgerEvents, UsageAlertView } from '../ports';
import { toBalance } from './views';

export interface PublishDeps {
  events?: LedgerEvents;
}

/** A committed answer: its balance and alerts are published, then it is returned. */
export function answered<T>(deps: PublishDeps, answer: T): Result<T> {
  if (deps.events) publish(deps.events, answer as Record<string, unknown>);
  return ok(answer);
}

/** A ledger call's result: a committed answer is published (see answered); a failure is returned as it is. */
export function published<T>(deps: PublishDeps, r: Result<T>): Result<T> {
  return r.ok ? answered(deps, r.value) : r;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function publish(events: LedgerEvents, answer: Json): void {
  const balance = answer?.balance ?? (answer && 'version' in answer && 'balanceSeconds' in answer ? answer : null);
  if (balance) events.balanceChanged(toBalance(balance));
  const alerts = answer?.alerts as Json[] | undefined;
  if (alerts?.length) {
    events.usageAlerts(alerts.map((a): UsageAlertView => ({ ...(a as UsageAlertView), createdAt: new Date(a.createdAt) })));
  }
}
