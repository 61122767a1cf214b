import { Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { Plan } from '../types/objects';

@Resolver(() => Plan)
export class PlanResolver {
  @Query(() => [Plan], { description: 'The price list. Public.' })
  plans(@Ctx() ctx: GraphQLContext): Promise<Plan[]> {
    return ctx.loaders.plans();
  }
}
