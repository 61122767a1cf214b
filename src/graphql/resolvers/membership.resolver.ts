import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { startCheckout } from '../../domain/memberships/start-checkout';
import { authorize } from '../authz';
import type { GraphQLContext } from '../context';
import { CreateCheckoutSessionInput } from '../types/inputs';
import { CreateCheckoutSessionPayload } from '../types/payloads';
import { payload } from './common';

@Resolver()
export class MembershipMutationResolver {
  @Mutation(() => CreateCheckoutSessionPayload, { description: 'USER: a Stripe Checkout for a membership of the plan.' })
  async createCheckoutSession(
    @Arg('input', () => CreateCheckoutSessionInput) input: CreateCheckoutSessionInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateCheckoutSessionPayload> {
    const p = authorize(ctx, 'createCheckoutSession');
    const r = await startCheckout({ em: ctx.em, payments: ctx.payments }, {
      userId: p.userId, planCode: input.plan, successUrl: input.successUrl, cancelUrl: input.cancelUrl,
    });
    return payload(r, (v) => ({ url: v.url, sessionId: v.sessionId }));
  }
}
