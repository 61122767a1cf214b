// The provider's self-service portal: payment methods, invoices and receipts. Plan changes and
// cancellation go through our own mutations, so credits follow them.
import { ErrorCode, fail, type Result } from '../../shared/errors';
import type { Em } from '../../db/em';
import type { Payments } from '../ports';
import { httpUrl } from './start-checkout';

export async function startBillingPortal(
  deps: { em: Em; payments: Payments | null },
  input: { userId: string; returnUrl: string },
): Promise<Result<{ url: string }>> {
  if (!deps.payments) return fail(ErrorCode.STRIPE_NOT_CONFIGURED);
  if (typeof input.returnUrl !== 'string' || !httpUrl(input.returnUrl)) return fail(ErrorCode.INVALID_ARGUMENT, 'returnUrl');
  const [user] = await deps.em.getConnection().execute<{ id: string; email: string }[]>('select id, email from users where id = ?', [input.userId]);
  if (!user) return fail(ErrorCode.USER_NOT_FOUND, 'userId');
  const customerId = await deps.payments.ensureCustomer(user);
  return { ok: true, value: await deps.payments.createBillingPortalSession({ customerId, returnUrl: input.returnUrl }) };
}
