import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { limits } from '../../config/limits';
import { recordUsage } from '../../domain/ledger/record-usage';
import { countUsage } from '../../observability/metrics';
import { authorize, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { badInput } from '../errors';
import { RecordUsageBatchInput, RecordUsageInput } from '../types/inputs';
import { RecordUsageBatchPayload, RecordUsagePayload } from '../types/payloads';
import { ledgerDeps, payload } from './common';

@Resolver()
export class UsageResolver {
  @Mutation(() => RecordUsagePayload, { description: 'SERVICE, ADMIN: record a finished call (atomic check-and-deduct).' })
  async recordUsage(@Arg('input', () => RecordUsageInput) input: RecordUsageInput, @Ctx() ctx: GraphQLContext): Promise<RecordUsagePayload> {
    const p = authorize(ctx, 'recordUsage');
    const r = await recordUsage(ledgerDeps(ctx), { ...input, userId: targetUser(p, input.userId) });
    countUsage('recordUsage', r);
    return payload(r, (v) => v);
  }

  @Mutation(() => RecordUsageBatchPayload, {
    description:
      'SERVICE, ADMIN: record up to 1,000 finished calls in one request. Each item is a recordUsage of its own (same rules, ledger, idempotency, alerts and live updates) with its own outcome: a failing item fails no other. More items than the limit: BAD_USER_INPUT, nothing recorded. If the database is unavailable for a moment the whole request answers SERVICE_UNAVAILABLE: send it again as it was (items already recorded answer their first outcome).',
  })
  async recordUsageBatch(
    @Arg('input', () => RecordUsageBatchInput) input: RecordUsageBatchInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecordUsageBatchPayload> {
    const p = authorize(ctx, 'recordUsageBatch');
    if (input.items.length > limits.usageBatchRequestItemsMax) {
      throw badInput(`A batch carries at most ${limits.usageBatchRequestItemsMax} items; this one has ${input.items.length}. Nothing was recorded.`);
    }
    // a USER may not be named here (the policy has no USER); SERVICE and ADMIN name each item's user
    const targets = input.items.map((item) => targetUser(p, item.userId));
    const deps = ledgerDeps(ctx);
    // all submitted in one tick: the group commit takes them together, usageBatchItemsMax per statement
    const settled = await Promise.allSettled(input.items.map((item, i) => recordUsage(deps, { ...item, userId: targets[i]! })));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    // a database that is away fails the request as a whole (503): every item is safe to send again
    if (failed) throw failed.reason;
    const results = settled.map((s, i) => {
      const r = (s as PromiseFulfilledResult<Awaited<ReturnType<typeof recordUsage>>>).value;
      countUsage('recordUsageBatch', r);
      return { index: i, idempotencyKey: input.items[i]!.idempotencyKey, ...payload(r, (v) => v) };
    });
    return { results, userErrors: [] };
  }
}
