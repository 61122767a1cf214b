import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { startCheckout } from '../../domain/memberships/start-checkout';
import { setOverageLimit } from '../../domain/memberships/set-overage-limit';
import { startTopUp } from '../../domain/memberships/start-top-up';
import { cancelMembership } from '../../domain/memberships/cancel-membership';
import { changePlan } from '../../domain/memberships/change-plan';
import { startBillingPortal } from '../../domain/memberships/start-billing-portal';
import { authorize, isUuid, targetUser } from '../authz';
import { ErrorCode, fail } from '../../shared/errors';
import type { GraphQLContext } from '../context';
import {
  CancelMembershipInput,
  ChangePlanInput,
  CreateBillingPortalSessionInput,
  CreateCheckoutSessionInput,
  CreateTopUpCheckoutSessionInput,
  SetOverageLimitInput,
} from '../types/inputs';
import {
  CancelMembershipPayload,
  ChangePlanPayload,
  CreateBillingPortalSessionPayload,
  CreateCheckoutSessionPayload,
  CreateTopUpCheckoutSessionPayload,
  SetOverageLimitPayload,
} from '../types/payloads';
import { actorOf, payload } from './common';

@Resolver()
export class MembershipMutationResolver {
  @Mutation(() => CreateCheckoutSessionPayload, { description: 'USER: a Stripe Checkout for a membership of the plan.' })
  async createCheckoutSession(
    @Arg('input', () => CreateCheckoutSessionInput) input: CreateCheckoutSessionInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateCheckoutSessionPayload> {
    const p = authorize(ctx, 'createCheckoutSession');
    const r = await startCheckout(
      { em: ctx.em, payments: ctx.payments, actor: actorOf(p) },
      {
        userId: p.userId,
        planCode: input.plan,
        successUrl: input.successUrl,
        cancelUrl: input.cancelUrl,
        idempotencyKey: input.idempotencyKey,
      },
    );
    return payload(r, (v) => ({ url: v.url, sessionId: v.sessionId }));
  }

  @Mutation(() => CreateTopUpCheckoutSessionPayload, { description: "USER: buy minutes once (Stripe Checkout, one-time payment at the plan's overage rate)." })
  async createTopUpCheckoutSession(
    @Arg('input', () => CreateTopUpCheckoutSessionInput) input: CreateTopUpCheckoutSessionInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateTopUpCheckoutSessionPayload> {
    const p = authorize(ctx, 'createTopUpCheckoutSession');
    const r = await startTopUp({ em: ctx.em, payments: ctx.payments, actor: actorOf(p) }, { userId: p.userId, ...input });
    return payload(r, (v) => v);
  }

  @Mutation(() => SetOverageLimitPayload, { description: 'USER: own; ADMIN: any. 0 disables overage.' })
  async setOverageLimit(@Arg('input', () => SetOverageLimitInput) input: SetOverageLimitInput, @Ctx() ctx: GraphQLContext): Promise<SetOverageLimitPayload> {
    const p = authorize(ctx, 'setOverageLimit');
    const userId = targetUser(p, input.userId);
    // a malformed id names no membership (and must not reach Postgres as a uuid)
    if (!isUuid(userId)) return payload(fail(ErrorCode.MEMBERSHIP_NOT_FOUND, 'userId'), () => ({}));
    const r = await setOverageLimit({ em: ctx.em, actor: actorOf(p) }, { userId, overageLimitCents: input.overageLimitCents });
    if (!r.ok) return payload(r, () => ({}));
    ctx.loaders.membership.clear(userId);
    return { membership: await ctx.loaders.membership.load(userId), userErrors: [] };
  }

  @Mutation(() => CancelMembershipPayload, { description: 'USER: cancel, at the period end by default; remaining PLAN seconds expire then.' })
  async cancelMembership(
    @Arg('input', () => CancelMembershipInput) input: CancelMembershipInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CancelMembershipPayload> {
    const p = authorize(ctx, 'cancelMembership');
    const r = await cancelMembership(
      { em: ctx.em, payments: ctx.payments, clock: ctx.clock, events: ctx.events, actor: actorOf(p) },
      { userId: p.userId, atPeriodEnd: input.atPeriodEnd },
    );
    if (!r.ok) return payload(r, () => ({}));
    ctx.loaders.membership.clear(p.userId);
    return { membership: await ctx.loaders.membership.load(p.userId), userErrors: [] };
  }

  @Mutation(() => ChangePlanPayload, {
    description: 'USER: move to another plan — a larger one now (prorated charge and prorated included minutes once paid), a smaller one at the period end.',
  })
  async changePlan(@Arg('input', () => ChangePlanInput) input: ChangePlanInput, @Ctx() ctx: GraphQLContext): Promise<ChangePlanPayload> {
    const p = authorize(ctx, 'changePlan');
    const r = await changePlan(
      { em: ctx.em, payments: ctx.payments, actor: actorOf(p) },
      { userId: p.userId, planCode: input.plan, idempotencyKey: input.idempotencyKey },
    );
    if (!r.ok) return payload(r, () => ({}));
    ctx.loaders.membership.clear(p.userId);
    return {
      kind: r.value.kind,
      effectiveAt: r.value.effectiveAt,
      paymentPending: r.value.paymentPending,
      membership: await ctx.loaders.membership.load(p.userId),
      userErrors: [],
    };
  }

  @Mutation(() => CreateBillingPortalSessionPayload, { description: 'USER: the Stripe billing portal (payment methods, invoices).' })
  async createBillingPortalSession(
    @Arg('input', () => CreateBillingPortalSessionInput) input: CreateBillingPortalSessionInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreateBillingPortalSessionPayload> {
    const p = authorize(ctx, 'createBillingPortalSession');
    const r = await startBillingPortal({ em: ctx.em, payments: ctx.payments }, { userId: p.userId, returnUrl: input.returnUrl });
    return payload(r, (v) => ({ url: v.url }));
  }
}
