// Live updates over graphql-ws: a user's balance after every committed change, and usage alerts.
// Authorized like queries: a USER only their own stream, ADMIN any.
import { Arg, Ctx, ID, Root, Subscription, Resolver } from 'type-graphql';
import { createLoaders } from '../loaders';
import type { AlertMessage, BalanceMessage } from '../../live/pubsub';
import { authorize, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { CreditBalance, UsageAlert } from '../types/objects';

type TopicData = { args: { userId?: string | null }; context: GraphQLContext };

const balanceTopic = ({ args, context }: TopicData) => targetUser(authorize(context, 'balanceChanged'), args.userId);
const alertTopic = ({ args, context }: TopicData) => targetUser(authorize(context, 'usageAlert'), args.userId);

/** Drops a balance older than one already sent on this subscription (processes may race). */
function newer({ payload, context }: { payload: BalanceMessage; context: GraphQLContext }): boolean {
  context.lastVersion ??= new Map();
  const last = context.lastVersion.get(payload.userId) ?? -1;
  if (payload.version <= last) return false;
  context.lastVersion.set(payload.userId, payload.version);
  return true;
}

@Resolver()
export class LiveResolver {
  @Subscription(() => CreditBalance, {
    topics: 'BALANCE_CHANGED',
    topicId: balanceTopic,
    filter: newer,
    description: 'The balance after every committed change of balance or holds; version only grows. USER: own; ADMIN: any.',
  })
  balanceChanged(
    @Root() m: BalanceMessage,
    @Arg('userId', () => ID, { nullable: true }) _userId: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): CreditBalance {
    // one context lives as long as the subscription: each push gets fresh loaders (and an empty
    // identity map), so its period figures are read after the change it announces, not cached
    ctx.em.clear();
    ctx.loaders = createLoaders(ctx.em);
    return { ...m, updatedAt: new Date(m.updatedAt) };
  }

  @Subscription(() => UsageAlert, {
    topics: 'USAGE_ALERT',
    topicId: alertTopic,
    description: 'Usage thresholds as they are crossed, each at most once per period. USER: own; ADMIN: any.',
  })
  usageAlert(@Root() m: AlertMessage, @Arg('userId', () => ID, { nullable: true }) _userId: string | null | undefined, @Ctx() ctx: GraphQLContext): UsageAlert {
    ctx.em.clear();
    ctx.loaders = createLoaders(ctx.em);
    return { ...m, createdAt: new Date(m.createdAt) };
  }
}
