// Who may do what (billing rules §8), in one place. A USER acts on their own account only: naming
// another user's id, or an object (transaction, reservation) of another user, is FORBIDDEN — the
// same answer for both, so clients have one rule to handle.
import type { Principal } from '../auth/authenticate';
import type { Role } from '../db/entities/types';
import { ownerOf } from '../domain/queries/lookups';
import type { GraphQLContext } from './context';
import { badInput, forbidden, unauthenticated } from './errors';

export type Operation =
  | 'me'
  | 'user'
  | 'balance'
  | 'transactions'
  | 'reservation'
  | 'apiKeys'
  | 'createUser'
  | 'recordUsage'
  | 'recordUsageBatch'
  | 'reserveCredits'
  | 'extendReservation'
  | 'commitReservation'
  | 'releaseReservation'
  | 'grantCredits'
  | 'refundUsage'
  | 'adjustCredits'
  | 'createApiKey'
  | 'revokeApiKey'
  | 'balanceChanged'
  | 'usageAlert'
  | 'createCheckoutSession'
  | 'createTopUpCheckoutSession'
  | 'setOverageLimit'
  | 'webhookEvents'
  | 'retryWebhookEvent'
  | 'failedJobs'
  | 'cancelMembership'
  | 'changePlan'
  | 'createBillingPortalSession'
  | 'usage'
  | 'usageForecast'
  | 'roi'
  | 'revenueMetrics'
  | 'tierUsage'
  | 'customerEconomics'
  | 'unitEconomics'
  | 'consents'
  | 'grantConsent'
  | 'revokeConsent'
  | 'exportMyData'
  | 'requestAccountDeletion'
  | 'auditLog'
  | 'verifyLedger';

const ALL: Role[] = ['USER', 'SERVICE', 'ADMIN'];

export const POLICY: Record<Operation, Role[]> = {
  me: ALL,
  user: ['SERVICE', 'ADMIN'],
  balance: ALL,
  transactions: ['USER', 'ADMIN'],
  reservation: ALL,
  apiKeys: ['USER', 'ADMIN'],
  createUser: ['SERVICE', 'ADMIN'],
  recordUsage: ['SERVICE', 'ADMIN'],
  recordUsageBatch: ['SERVICE', 'ADMIN'],
  reserveCredits: ['SERVICE', 'ADMIN'],
  extendReservation: ['SERVICE', 'ADMIN'],
  commitReservation: ['SERVICE', 'ADMIN'],
  releaseReservation: ['SERVICE', 'ADMIN'],
  grantCredits: ['ADMIN'],
  refundUsage: ['ADMIN'],
  adjustCredits: ['ADMIN'],
  createApiKey: ['USER', 'ADMIN'],
  revokeApiKey: ['USER', 'ADMIN'],
  // a user watches their own stream; ADMIN any (billing rules §9)
  createCheckoutSession: ['USER'],
  createTopUpCheckoutSession: ['USER'],
  setOverageLimit: ['USER', 'ADMIN'],
  webhookEvents: ['ADMIN'],
  retryWebhookEvent: ['ADMIN'],
  failedJobs: ['ADMIN'],
  cancelMembership: ['USER'],
  changePlan: ['USER'],
  createBillingPortalSession: ['USER'],
  balanceChanged: ['USER', 'ADMIN'],
  usageAlert: ['USER', 'ADMIN'],
  // analytics: a user's own figures; revenue and margins are ADMIN only (billing rules §8)
  usage: ['USER', 'ADMIN'],
  usageForecast: ['USER', 'ADMIN'],
  roi: ['USER', 'ADMIN'],
  revenueMetrics: ['ADMIN'],
  tierUsage: ['ADMIN'],
  customerEconomics: ['ADMIN'],
  unitEconomics: ['ADMIN'],
  // personal data (billing rules §10): the person for themselves, an admin for anyone
  consents: ['USER', 'ADMIN'],
  grantConsent: ['USER', 'ADMIN'],
  revokeConsent: ['USER', 'ADMIN'],
  exportMyData: ['USER', 'ADMIN'],
  requestAccountDeletion: ['USER', 'ADMIN'],
  auditLog: ['ADMIN'],
  verifyLedger: ['ADMIN'],
};

/** The caller, allowed to run this operation, or a top-level UNAUTHENTICATED / FORBIDDEN. */
export function authorize(ctx: GraphQLContext, op: Operation): Principal {
  const p = ctx.principal;
  if (!p) throw unauthenticated();
  if (!POLICY[op].includes(p.role)) throw forbidden(`${op} is not allowed for role ${p.role}.`);
  return p;
}

/** The user an operation acts on: a USER's own id by default; SERVICE and ADMIN must name one. */
export function targetUser(p: Principal, userId: string | null | undefined): string {
  if (p.role === 'USER') {
    if (userId && userId.toLowerCase() !== p.userId) throw forbidden('You may only act on your own account.');
    return p.userId;
  }
  if (!userId) throw badInput('userId is required for SERVICE and ADMIN callers.');
  return userId.toLowerCase();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** targetUser for a read that hands the id to Postgres as a uuid: a malformed id is bad input, not an internal error. */
export function readTarget(p: Principal, userId: string | null | undefined): string {
  const id = targetUser(p, userId);
  if (!isUuid(id)) throw badInput('userId is not a valid ID.');
  return id;
}

/** For a USER: the object must be theirs. Unknown objects pass (the operation answers NOT_FOUND). */
export async function authorizeObject(ctx: GraphQLContext, p: Principal, kind: 'reservation' | 'transaction', id: string): Promise<void> {
  if (p.role !== 'USER') return;
  const owner = await ownerOf(ctx.em, kind, id);
  // an unknown id answers as another account's does: the answer must not tell whether it exists
  if (owner !== p.userId) throw forbidden(`No ${kind} of yours has that id.`);
}
