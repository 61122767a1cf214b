import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { getBalance } from '../../domain/ledger/get-balance';
import { createUser } from '../../domain/users/create-user';
import { authorize } from '../authz';
import type { GraphQLContext } from '../context';
import { forbidden } from '../errors';
import { CreateUserInput } from '../types/inputs';
import { CreditBalance, Membership, Plan, User } from '../types/objects';
import { CreateUserPayload } from '../types/payloads';
import { actorOf, ledgerDeps, payload } from './common';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { description: 'The caller.' })
  async me(@Ctx() ctx: GraphQLContext): Promise<User> {
    const p = authorize(ctx, 'me');
    const user = await ctx.loaders.user.load(p.userId);
    if (!user) throw forbidden('The account of this credential no longer exists.');
    return user;
  }

  @Query(() => User, { nullable: true, description: 'SERVICE, ADMIN.' })
  async user(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    authorize(ctx, 'user');
    return ctx.loaders.user.load(id.toLowerCase());
  }

  @Mutation(() => CreateUserPayload, { description: 'SERVICE, ADMIN; only ADMIN may give a role other than USER.' })
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: GraphQLContext): Promise<CreateUserPayload> {
    const p = authorize(ctx, 'createUser');
    if (input.role && input.role !== 'USER' && p.role !== 'ADMIN') throw forbidden('Only an ADMIN may create SERVICE or ADMIN users.');
    const r = await createUser({ em: ctx.em, actor: actorOf(p) }, { email: input.email, role: input.role ?? 'USER', timeZone: input.timeZone ?? undefined });
    return payload(r, (user) => ({ user }));
  }

  @FieldResolver(() => Membership, { nullable: true })
  membership(@Root() user: User, @Ctx() ctx: GraphQLContext): Promise<Membership | null> {
    return ctx.loaders.membership.load(user.id);
  }

  @FieldResolver(() => CreditBalance)
  async balance(@Root() user: User, @Ctx() ctx: GraphQLContext): Promise<CreditBalance> {
    const r = await getBalance(ledgerDeps(ctx), user.id);
    if (!r.ok) throw new Error(`balance of an existing user failed: ${r.error.code}`);
    return r.value;
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Plan)
  async plan(@Root() m: Membership, @Ctx() ctx: GraphQLContext): Promise<Plan> {
    const plan = (await ctx.loaders.plans()).find((p) => p.code === m.planCode);
    if (!plan) throw new Error(`membership ${m.id} names an unknown plan`);
    return plan;
  }

  @FieldResolver(() => Plan, { nullable: true, description: 'A downgrade waiting for the period end: the plan from then on.' })
  async scheduledPlan(@Root() m: Membership, @Ctx() ctx: GraphQLContext): Promise<Plan | null> {
    if (!m.scheduledPlanCode) return null;
    return (await ctx.loaders.plans()).find((p) => p.code === m.scheduledPlanCode) ?? null;
  }

  @FieldResolver(() => Int, { description: 'Overage cap per period, in cents (default: the plan price; 0 = no overage).' })
  async overageLimitCents(@Root() m: Membership, @Ctx() ctx: GraphQLContext): Promise<number> {
    if (m.storedOverageLimitCents !== null && m.storedOverageLimitCents !== undefined) return m.storedOverageLimitCents;
    return (await this.plan(m, ctx)).priceCents;
  }
}
