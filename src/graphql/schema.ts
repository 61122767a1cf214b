// The schema, built from the resolvers. `npm run schema` prints it to schema.graphql, which is
// committed; a test fails when the two differ.
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema } from 'type-graphql';
import { AnalyticsResolver } from './resolvers/analytics.resolver';
import { ApiKeyResolver } from './resolvers/api-key.resolver';
import { BalanceResolver } from './resolvers/balance.resolver';
import { GrantResolver } from './resolvers/grant.resolver';
import { PlanResolver } from './resolvers/plan.resolver';
import { ReservationResolver } from './resolvers/reservation.resolver';
import { GrantLineageResolver, TransactionResolver } from './resolvers/transaction.resolver';
import { UsageResolver } from './resolvers/usage.resolver';
import { LiveResolver } from './resolvers/live.resolver';
import { MembershipMutationResolver } from './resolvers/membership.resolver';
import { OperationsResolver } from './resolvers/operations.resolver';
import { AuditResolver } from './resolvers/audit.resolver';
import { GdprResolver } from './resolvers/gdpr.resolver';
import { createLocalPubSub, type LivePubSub } from '../live/pubsub';
import { MembershipResolver, UserResolver } from './resolvers/user.resolver';

export const resolvers = [
  PlanResolver,
  UserResolver,
  MembershipResolver,
  BalanceResolver,
  TransactionResolver,
  GrantLineageResolver,
  ReservationResolver,
  UsageResolver,
  GrantResolver,
  ApiKeyResolver,
  LiveResolver,
  MembershipMutationResolver,
  OperationsResolver,
  GdprResolver,
  AuditResolver,
  AnalyticsResolver,
] as const;

/** The schema, with subscriptions fed by this pub/sub (Redis in the service, in-process otherwise). */
export function buildApiSchema(pubSub: LivePubSub = createLocalPubSub()): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    validate: false,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    emitSchemaFile: false,
    pubSub,
  });
}

export async function printApiSchema(): Promise<string> {
  return `# Generated from the resolvers by \`npm run schema\`. Do not edit by hand.\n\n${printSchema(lexicographicSortSchema(await buildApiSchema()))}\n`;
}
