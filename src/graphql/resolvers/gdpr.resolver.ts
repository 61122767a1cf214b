// Personal data (billing rules §10): consents, the export link, the deletion request. A USER acts
// on their own account, an ADMIN on anyone's. Export and deletion need the person's token: an API
// key (a credential that may sit in a server's config) can do neither.
import { Arg, Args, ArgsType, Ctx, Field, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { grantConsent, listConsents, revokeConsent } from '../../domain/gdpr/consents';
import { createExportLink } from '../../domain/gdpr/export-user-data';
import { requestAccountDeletion } from '../../domain/gdpr/request-account-deletion';
import { authorize, readTarget, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { connectionOf, cursors, pageArgs } from '../connection';
import { forbidden } from '../errors';
import {
  ConsentConnection,
  ExportMyDataInput,
  ExportMyDataPayload,
  GrantConsentInput,
  GrantConsentPayload,
  RequestAccountDeletionInput,
  RequestAccountDeletionPayload,
  RevokeConsentInput,
  RevokeConsentPayload,
} from '../types/gdpr';
import { actorOf, payload } from './common';

@ArgsType()
export class ConsentsArgs {
  @Field(() => ID, { nullable: true }) userId?: string | null;
  @Field(() => Int, { nullable: true, description: 'Page size, default 20, at most 100.' }) first?: number | null;
  @Field(() => String, { nullable: true }) after?: string | null;
}

/** The path of the download route; the token is the only credential it needs. */
export const EXPORT_PATH = '/gdpr/export';

@Resolver()
export class GdprResolver {
  @Query(() => ConsentConnection, { description: 'The consent history, newest first, and the current state per purpose. USER: own; ADMIN: any.' })
  async consents(@Args(() => ConsentsArgs) { userId, first, after }: ConsentsArgs, @Ctx() ctx: GraphQLContext): Promise<ConsentConnection> {
    const p = authorize(ctx, 'consents');
    const req = pageArgs(cursors.consents, { first, after });
    const page = await listConsents(ctx.em, { userId: readTarget(p, userId), first: req.first, beforeId: req.after });
    return { ...connectionOf(cursors.consents, page, (node) => node.id), totalCount: page.totalCount, current: page.current };
  }

  @Mutation(() => GrantConsentPayload, { description: 'USER: own; ADMIN: any. Granting what is granted under the same policy version changes nothing.' })
  async grantConsent(@Arg('input', () => GrantConsentInput) input: GrantConsentInput, @Ctx() ctx: GraphQLContext): Promise<GrantConsentPayload> {
    const p = authorize(ctx, 'grantConsent');
    const r = await grantConsent({ em: ctx.em, actor: actorOf(p) }, { ...input, userId: targetUser(p, input.userId) });
    return payload(r, (v) => ({ record: v.record, consents: v.current }));
  }

  @Mutation(() => RevokeConsentPayload, { description: 'USER: own; ADMIN: any. Revoking what is not granted changes nothing.' })
  async revokeConsent(@Arg('input', () => RevokeConsentInput) input: RevokeConsentInput, @Ctx() ctx: GraphQLContext): Promise<RevokeConsentPayload> {
    const p = authorize(ctx, 'revokeConsent');
    const r = await revokeConsent({ em: ctx.em, actor: actorOf(p) }, { ...input, userId: targetUser(p, input.userId) });
    return payload(r, (v) => ({ record: v.record, consents: v.current }));
  }

  @Mutation(() => ExportMyDataPayload, {
    description: 'USER: own; ADMIN: any. A link, valid for minutes, to one JSON document with everything held about the user (streamed).',
  })
  async exportMyData(@Arg('input', () => ExportMyDataInput) input: ExportMyDataInput, @Ctx() ctx: GraphQLContext): Promise<ExportMyDataPayload> {
    const p = authorize(ctx, 'exportMyData');
    if (p.via === 'apiKey') throw forbidden("An export needs the person's token, not an API key.");
    const r = await createExportLink({ em: ctx.em, actor: actorOf(p) }, { userId: targetUser(p, input.userId) });
    return payload(r, (v) => ({ url: `${EXPORT_PATH}/${v.token}`, expiresAt: v.expiresAt }));
  }

  @Mutation(() => RequestAccountDeletionPayload, {
    description:
      "USER: own; ADMIN: any. Erases the account's personal data (Stripe subscription cancelled, customer deleted, keys revoked) and keeps the books under a pseudonym. Asking again answers the same request.",
  })
  async requestAccountDeletion(
    @Arg('input', () => RequestAccountDeletionInput) input: RequestAccountDeletionInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RequestAccountDeletionPayload> {
    const p = authorize(ctx, 'requestAccountDeletion');
    if (p.via === 'apiKey') throw forbidden("A deletion needs the person's token, not an API key.");
    const r = await requestAccountDeletion({ em: ctx.em, actor: actorOf(p), jobs: ctx.erasureJobs ?? null }, { userId: targetUser(p, input.userId) });
    return payload(r, (request) => ({ request }));
  }
}
