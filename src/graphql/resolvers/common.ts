import type { Principal } from '../../auth/authenticate';
import type { Actor } from '../../domain/audit/audit';
import type { Result } from '../../shared/errors';
import type { GraphQLContext } from '../context';
import { toUserErrors } from '../errors';
import type { UserError } from '../types/objects';

export const ledgerDeps = (ctx: GraphQLContext) => ({
  em: ctx.em,
  clock: ctx.clock,
  events: ctx.events,
  holdTtlSecondsDefault: ctx.config.holdTtlSecondsDefault,
  purchaseExpiryDays: ctx.config.purchaseExpiryDays,
});

/** A payload from a use case's result: its fields on success, typed userErrors otherwise. */
export function payload<T, P extends object>(r: Result<T>, map: (v: T) => P): P & { userErrors: UserError[] } {
  return r.ok ? { ...map(r.value), userErrors: [] } : ({ userErrors: toUserErrors(r.error) } as P & { userErrors: UserError[] });
}

/** The caller as the audit log names them: id and role, nothing personal. */
export const actorOf = (p: Principal): Actor => ({ id: p.userId, role: p.role });
