import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { adjustCredits } from '../../domain/ledger/adjust-credits';
import { grantCredits } from '../../domain/ledger/grant-credits';
import { refundUsage } from '../../domain/ledger/refund-usage';
import { authorize, authorizeObject, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { AdjustCreditsInput, GrantCreditsInput, RefundUsageInput } from '../types/inputs';
import { AdjustCreditsPayload, GrantCreditsPayload, RefundUsagePayload } from '../types/payloads';
import { actorOf, ledgerDeps, payload } from './common';

@Resolver()
export class GrantResolver {
  @Mutation(() => GrantCreditsPayload, { description: 'ADMIN: grant BONUS or PURCHASE seconds.' })
  async grantCredits(@Arg('input', () => GrantCreditsInput) input: GrantCreditsInput, @Ctx() ctx: GraphQLContext): Promise<GrantCreditsPayload> {
    const p = authorize(ctx, 'grantCredits');
    const r = await grantCredits(
      { ...ledgerDeps(ctx), actor: actorOf(p) },
      {
        ...input,
        userId: targetUser(p, input.userId),
        metadata: { grantedBy: p.userId },
      },
    );
    return payload(r, (v) => v);
  }

  @Mutation(() => RefundUsagePayload, { description: 'ADMIN: give back seconds of a usage, along its lineage.' })
  async refundUsage(@Arg('input', () => RefundUsageInput) input: RefundUsageInput, @Ctx() ctx: GraphQLContext): Promise<RefundUsagePayload> {
    const p = authorize(ctx, 'refundUsage');
    await authorizeObject(ctx, p, 'transaction', input.transactionId);
    return payload(await refundUsage({ ...ledgerDeps(ctx), actor: actorOf(p) }, input), (v) => ({ transaction: v.transaction, balance: v.balance }));
  }

  @Mutation(() => AdjustCreditsPayload, {
    description:
      'ADMIN: correct a balance by hand (an ADJUSTMENT entry, audited). Never below 0 (INSUFFICIENT_CREDITS), never past the largest balance (BALANCE_LIMIT_EXCEEDED).',
  })
  async adjustCredits(@Arg('input', () => AdjustCreditsInput) input: AdjustCreditsInput, @Ctx() ctx: GraphQLContext): Promise<AdjustCreditsPayload> {
    const p = authorize(ctx, 'adjustCredits');
    const r = await adjustCredits({ ...ledgerDeps(ctx), actor: actorOf(p) }, { ...input, userId: targetUser(p, input.userId) });
    return payload(r, (v) => ({ transaction: v.transaction, balance: v.balance }));
  }
}
