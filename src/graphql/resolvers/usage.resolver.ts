import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { recordUsage } from '../../domain/ledger/record-usage';
import { countUsage } from '../../observability/metrics';
import { authorize, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { RecordUsageInput } from '../types/inputs';
import { RecordUsagePayload } from '../types/payloads';
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
}
