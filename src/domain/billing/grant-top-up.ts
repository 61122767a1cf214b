import { grantPurchase } from '../ledger/grant-purchase';
import type { PaymentEventDeps } from './deps';
import { paidGrantRefused } from './paid-grant-refused';

/** A paid top-up checkout. */
export interface PaidTopUp {
  userId: string;
  seconds: number;
  checkoutSessionId: string;
  amountCents: number;
}

/** A paid top-up grants its PURCHASE seconds, once per checkout session (the ledger key says so). */
export async function grantTopUp(deps: PaymentEventDeps & { purchaseExpiryDays: number }, topUp: PaidTopUp): Promise<void> {
  const r = await grantPurchase({ em: deps.em, clock: deps.clock, events: deps.events, purchaseExpiryDays: deps.purchaseExpiryDays }, topUp);
  if (!r.ok) throw paidGrantRefused(deps, 'top-up grant', topUp.checkoutSessionId, topUp.userId, r.error);
}
