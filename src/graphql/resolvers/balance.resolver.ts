import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { getBalance } from '../../domain/ledger/get-balance';
import { authorize, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { badInput } from '../errors';
import { CreditBalance } from '../types/objects';
import { ledgerDeps } from './common';

@Resolver(() => CreditBalance)
export class BalanceResolver {
  @Query(() => CreditBalance, { description: 'USER: own (userId optional); SERVICE, ADMIN: any (userId required).' })
  async balance(@Arg('userId', () => ID, { nullable: true }) userId: string | null, @Ctx() ctx: GraphQLContext): Promise<CreditBalance> {
    const p = authorize(ctx, 'balance');
    const r = await getBalance(ledgerDeps(ctx), targetUser(p, userId));
    if (!r.ok) throw badInput(r.error.message);
    return r.value;
  }

  @FieldResolver(() => GraphQLSafeInt, { description: 'Included seconds of the current period.' })
  async periodIncludedSeconds(@Root() b: CreditBalance, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.periodUsage.load(b.userId)).includedSeconds;
  }

  @FieldResolver(() => GraphQLSafeInt, { description: 'Billed seconds of the current period.' })
  async periodUsedSeconds(@Root() b: CreditBalance, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.periodUsage.load(b.userId)).usedSeconds;
  }

  @FieldResolver(() => GraphQLSafeInt)
  async periodOverageSeconds(@Root() b: CreditBalance, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.periodUsage.load(b.userId)).overageSeconds;
  }

  @FieldResolver(() => GraphQLSafeInt, { description: 'Cost of the overage so far, capped by the limit.' })
  async periodOverageCents(@Root() b: CreditBalance, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.periodUsage.load(b.userId)).overageCents;
  }
}
