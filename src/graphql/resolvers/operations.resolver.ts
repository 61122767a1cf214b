// ADMIN views of the Stripe machinery: stored webhook events, failed jobs, and a retry.
import { Arg, Ctx, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { asDate, asDateOrNull } from '../../shared/time';
import { retryWebhookEvent } from '../../domain/operations/retry-webhook-event';
import { actorOf } from './common';
import { authorize } from '../authz';
import type { GraphQLContext } from '../context';
import { toUserErrors } from '../errors';

import { MutationPayload } from '../types/payloads';

@ObjectType({ description: 'A Stripe event as stored by the webhook endpoint.' })
export class WebhookEvent {
  @Field(() => ID) id!: string;
  @Field(() => String) type!: string;
  @Field(() => String, { description: 'RECEIVED, PROCESSING, PROCESSED, FAILED or IGNORED.' }) status!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) lastError?: string | null;
  @Field(() => Date) receivedAt!: Date;
  @Field(() => Date, { nullable: true }) processedAt?: Date | null;
}

@ObjectType({ description: 'A background job that failed all its attempts.' })
export class FailedJob {
  @Field(() => String) id!: string;
  @Field(() => String, { description: 'stripe-webhooks, billing, holds or maintenance.' }) queue!: string;
  @Field(() => String, { description: 'The job type, e.g. process-stripe-event or close-periods.' }) type!: string;
  @Field(() => String, { nullable: true, description: 'For a Stripe event job: the event.' }) eventId?: string | null;
  @Field(() => String) failedReason!: string;
  @Field(() => Int) attemptsMade!: number;
  @Field(() => Date, { nullable: true }) failedAt?: Date | null;
}

@InputType()
export class RetryWebhookEventInput {
  @Field(() => ID) id!: string;
}

@ObjectType({ implements: MutationPayload })
export class RetryWebhookEventPayload extends MutationPayload {
  @Field(() => WebhookEvent, { nullable: true }) event?: WebhookEvent | null;
}

type Row = Record<string, unknown>;
const toEvent = (r: Row): WebhookEvent => ({
  id: r.id as string,
  type: r.type as string,
  status: r.status as string,
  attempts: Number(r.attempts),
  lastError: (r.last_error as string | null) ?? null,
  receivedAt: asDate(r.received_at as string),
  processedAt: asDateOrNull(r.processed_at as string | null),
});

@Resolver()
export class OperationsResolver {
  @Query(() => [WebhookEvent], { description: 'ADMIN: stored Stripe events, newest first; filter by status (e.g. FAILED).' })
  async webhookEvents(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => String, { nullable: true }) status?: string | null,
    @Arg('first', () => Int, { nullable: true, description: 'At most 100.' }) first?: number | null,
  ): Promise<WebhookEvent[]> {
    authorize(ctx, 'webhookEvents');
    const limit = Math.max(1, Math.min(100, first ?? 20));
    const rows = await ctx.em
      .getConnection()
      .execute<Row[]>(`select * from webhook_events where (?::text is null or status = ?) order by received_at desc limit ?`, [
        status ?? null,
        status ?? null,
        limit,
      ]);
    return rows.map(toEvent);
  }

  @Query(() => [FailedJob], { description: 'ADMIN: Stripe event jobs that failed all their attempts.' })
  async failedJobs(@Ctx() ctx: GraphQLContext, @Arg('first', () => Int, { nullable: true }) first?: number | null): Promise<FailedJob[]> {
    authorize(ctx, 'failedJobs');
    if (!ctx.webhookJobs) return [];
    return ctx.webhookJobs.failed(Math.max(1, Math.min(100, first ?? 20)));
  }

  @Mutation(() => RetryWebhookEventPayload, { description: 'ADMIN: process a stored Stripe event again (safe: processing is idempotent).' })
  async retryWebhookEvent(
    @Arg('input', () => RetryWebhookEventInput) input: RetryWebhookEventInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RetryWebhookEventPayload> {
    const p = authorize(ctx, 'retryWebhookEvent');
    // without Stripe there is nothing to retry against
    const r = await retryWebhookEvent({ em: ctx.em, jobs: ctx.payments ? ctx.webhookJobs : null, actor: actorOf(p) }, { id: input.id });
    if (!r.ok) return { userErrors: toUserErrors(r.error) };
    const [after] = await ctx.em.getConnection().execute<Row[]>('select * from webhook_events where id = ?', [input.id]);
    return { event: toEvent(after!), userErrors: [] };
  }
}
