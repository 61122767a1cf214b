import { Args, ArgsType, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { CreditTransactionType } from '../../db/entities/types';
import { listTransactions } from '../../domain/queries/transactions';
import { authorize, readTarget } from '../authz';
import type { GraphQLContext } from '../context';
import { connectionOf, cursors, pageArgs } from '../connection';
import { CreditTransactionTypeEnum } from '../types/enums';
import { CreditGrant, CreditTransaction, CreditTransactionConnection, GrantLineage } from '../types/objects';

@ArgsType()
export class TransactionsArgs {
  @Field(() => ID, { nullable: true }) userId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Page size, default 20, at most 100.' }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
  @Field(() => [CreditTransactionTypeEnum], { nullable: true }) types?: CreditTransactionType[] | null;
  @Field(() => Date, { nullable: true, description: 'Inclusive.' }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Exclusive.' }) to?: Date | null;
}

@Resolver(() => CreditTransaction)
export class TransactionResolver {
  @Query(() => CreditTransactionConnection, { description: 'The ledger, newest first. USER: own; ADMIN: any.' })
  async transactions(
    @Args(() => TransactionsArgs) { userId, first, after, types, from, to }: TransactionsArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreditTransactionConnection> {
    const p = authorize(ctx, 'transactions');
    const req = pageArgs(cursors.transactions, { first, after });
    const page = await listTransactions(ctx.em, {
      userId: readTarget(p, userId),
      first: req.first,
      beforeSequence: req.after,
      types,
      from,
      to,
    });
    return { ...connectionOf(cursors.transactions, page, (node) => node.sequence), totalCount: page.totalCount };
  }

  @FieldResolver(() => [GrantLineage], { description: 'Which grants paid for a debit, or were refunded into.' })
  lineage(@Root() tx: CreditTransaction): GrantLineage[] {
    const items = (tx.metadata?.grants ?? tx.metadata?.refunded) as { grantId: string; seconds: number }[] | undefined;
    return Array.isArray(items) ? items.map((l) => ({ grantId: l.grantId, seconds: l.seconds })) : [];
  }
}

@Resolver(() => GrantLineage)
export class GrantLineageResolver {
  @FieldResolver(() => CreditGrant, { nullable: true })
  grant(@Root() l: GrantLineage, @Ctx() ctx: GraphQLContext): Promise<CreditGrant | null> {
    return ctx.loaders.grant.load(l.grantId);
  }
}
