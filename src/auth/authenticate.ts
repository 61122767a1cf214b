// Who is calling: a bearer JWT (HS256 with JWT_SECRET, or RS256/ES256 from a JWKS URL; `sub` = user
// id, `role` = USER | SERVICE | ADMIN, expiry enforced) or an API key in `x-api-key`. Transport-free:
// HTTP and WebSocket connections both hand their headers here.
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/env';
import { ROLES, type Role } from '../db/entities/types';
import { authenticateApiKey } from '../domain/api-keys/api-keys';
import type { Em } from '../db/em';

export interface Principal {
  userId: string;
  role: Role;
  via: 'jwt' | 'apiKey';
  /** When the credential stops being valid (a JWT's exp), in ms since the epoch; keys: none. */
  expiresAtMs?: number;
}

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

const VERIFIED_TOKENS_MAX = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Credentials {
  authorization?: string | null;
  apiKey?: string | null;
}

export type Authenticator = (creds: Credentials, em: Em) => Promise<Principal | null>;

export function createAuthenticator(config: Pick<Config, 'jwtSecret' | 'jwtJwksUrl' | 'jwtIssuer' | 'jwtAudience'>): Authenticator {
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : null;
  const jwks: JWTVerifyGetKey | null = config.jwtJwksUrl ? createRemoteJWKSet(new URL(config.jwtJwksUrl)) : null;

  async function verify(token: string): Promise<JWTPayload> {
    const common = {
      issuer: config.jwtIssuer ?? undefined,
      audience: config.jwtAudience ?? undefined,
      requiredClaims: ['sub', 'exp'],
    };
    // the token's header says which key family it claims; each family only accepts its algorithms
    const alg = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8') || '{}').alg;
    if (alg === 'HS256' && secret) return (await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] })).payload;
    if ((alg === 'RS256' || alg === 'ES256') && jwks) return (await jwtVerify(token, jwks, { ...common, algorithms: ['RS256', 'ES256'] })).payload;
    throw new AuthenticationError(`tokens signed with ${String(alg)} are not accepted`);
  }

  // verified tokens, until they expire: a client sends the same token with every request
  const verified = new Map<string, Principal>();
  const remember = (token: string, p: Principal) => {
    if (verified.size >= VERIFIED_TOKENS_MAX) verified.delete(verified.keys().next().value!);
    verified.set(token, p);
  };

  return async (creds, em) => {
    const header = creds.authorization?.trim();
    if (header) {
      const m = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header);
      if (!m) throw new AuthenticationError('the Authorization header must be "Bearer <token>"');
      const known = verified.get(m[1]!);
      if (known && (known.expiresAtMs ?? 0) > Date.now()) return known;
      let payload: JWTPayload;
      try {
        payload = await verify(m[1]!);
      } catch (err) {
        if (err instanceof AuthenticationError) throw err;
        throw new AuthenticationError('the bearer token is invalid or expired');
      }
      const role = (payload.role ?? 'USER') as Role;
      if (!payload.sub || !UUID.test(payload.sub) || !ROLES.includes(role)) {
        throw new AuthenticationError('the bearer token has no valid sub or role');
      }
      const principal: Principal = { userId: payload.sub.toLowerCase(), role, via: 'jwt', expiresAtMs: (payload.exp ?? 0) * 1000 };
      remember(m[1]!, principal);
      return principal;
    }
    const key = creds.apiKey?.trim();
    if (key) {
      const owner = await authenticateApiKey({ em }, key);
      if (!owner) throw new AuthenticationError('the API key is invalid or revoked');
      return { userId: owner.userId, role: owner.role, via: 'apiKey' };
    }
    return null;
  };
}
