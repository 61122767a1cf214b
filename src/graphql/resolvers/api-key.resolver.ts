import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { createApiKey, findApiKey, listApiKeys, revokeApiKey } from '../../domain/api-keys/api-keys';
import { authorize, readTarget, targetUser } from '../authz';
import type { GraphQLContext } from '../context';
import { forbidden } from '../errors';
import { CreateApiKeyInput, RevokeApiKeyInput } from '../types/inputs';
import { ApiKey } from '../types/objects';
import { CreateApiKeyPayload, RevokeApiKeyPayload } from '../types/payloads';
import { actorOf, payload } from './common';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => [ApiKey], { description: 'USER: own keys; ADMIN: any user (userId required).' })
  async apiKeys(@Arg('userId', () => ID, { nullable: true }) userId: string | null, @Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    const p = authorize(ctx, 'apiKeys');
    return listApiKeys({ em: ctx.em }, readTarget(p, userId));
  }

  @Mutation(() => CreateApiKeyPayload, {
    description: 'USER: a key for yourself (plans with api_access). ADMIN: SERVICE keys for SERVICE users.',
  })
  async createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext): Promise<CreateApiKeyPayload> {
    const p = authorize(ctx, 'createApiKey');
    const role = input.role ?? 'USER';
    if (role === 'SERVICE' && p.role !== 'ADMIN') throw forbidden('Only an ADMIN may create SERVICE keys.');
    if (p.via === 'apiKey') throw forbidden('API keys cannot create API keys.');
    const userId = p.role === 'ADMIN' ? (input.userId ?? p.userId).toLowerCase() : targetUser(p, input.userId);
    const r = await createApiKey({ em: ctx.em, actor: actorOf(p) }, { userId, role, name: input.name, createdBy: p.userId });
    return payload(r, (v) => ({ apiKey: v.apiKey, secret: v.secret }));
  }

  @Mutation(() => RevokeApiKeyPayload, { description: 'USER: own keys; ADMIN: any.' })
  async revokeApiKey(@Arg('input', () => RevokeApiKeyInput) input: RevokeApiKeyInput, @Ctx() ctx: GraphQLContext): Promise<RevokeApiKeyPayload> {
    const p = authorize(ctx, 'revokeApiKey');
    if (p.role !== 'ADMIN') {
      const key = await findApiKey({ em: ctx.em }, input.id);
      if (key && key.userId !== p.userId) throw forbidden('That API key belongs to another account.');
    }
    return payload(await revokeApiKey({ em: ctx.em, actor: actorOf(p) }, input.id), (apiKey) => ({ apiKey }));
  }
}
