// Who is calling: a bearer JWT (HS256 with JWT_SECRET, or RS256/ES256 from a JWKS URL; `sub` = user
// id, `role` = USER | SERVICE | ADMIN, expiry enforced) or an API key in `x-api-key`. Transport-free:
// HTTP and WebSocket connections both hand their headers here.
import { createRemoteJWKSet, errors as jose, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/env';
import { ROLES, type Role } from '../db/entities/types';
import { checkApiKey } from '../domain/api-keys/api-keys';
import type { Em } from '../db/em';

export interface Principal {
  userId: string;
  role: Role;
  via: 'jwt' | 'apiKey';
  /** When the credential stops being valid (a JWT's exp), in ms since the epoch; keys: none. */
  expiresAtMs?: number;
}

/** Why a credential was refused: a developer can act on each; none tells a secret. */
export type AuthFailure = 'malformed' | 'algorithm' | 'expired' | 'signature' | 'claims' | 'unverifiable' | 'key_unknown' | 'key_revoked' | 'key_unbacked';

/** A credential was sent and refused; the message says why (HTTP answers it, WebSockets close with it). */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  constructor(
    message: string,
    readonly reason: AuthFailure = 'malformed',
  ) {
    super(message);
  }
}

/** What jose says about a token that did not verify, in words a developer can act on. */
function refusal(err: unknown, payload: () => JWTPayload | null): AuthenticationError {
  if (err instanceof AuthenticationError) return err;
  if (err instanceof jose.JWTExpired) {
    const exp = payload()?.exp;
    return new AuthenticationError(
      `the bearer token expired${typeof exp === 'number' ? ` at ${new Date(exp * 1000).toISOString()}` : ''}; get a new one`,
      'expired',
    );
  }
  if (err instanceof jose.JWSSignatureVerificationFailed || err instanceof jose.JWKSNoMatchingKey) {
    return new AuthenticationError("the bearer token's signature does not verify: it was signed with another key than this server's", 'signature');
  }
  if (err instanceof jose.JWTClaimValidationFailed) {
    const claim = ['iss', 'aud', 'sub', 'exp', 'nbf', 'iat'].includes(err.claim) ? err.claim : 'a claim';
    return new AuthenticationError(`the bearer token's "${claim}" claim is ${err.reason === 'missing' ? 'missing' : 'not accepted'}`, 'claims');
  }
  if (err instanceof jose.JWSInvalid || err instanceof jose.JWTInvalid || err instanceof SyntaxError) {
    return new AuthenticationError('the bearer token is malformed (not a signed JWT)', 'malformed');
  }
  return new AuthenticationError('the bearer token could not be verified (the key set is unavailable)', 'unverifiable');
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
    let alg: unknown;
    try {
      alg = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8') || '{}').alg;
    } catch {
      throw new AuthenticationError('the bearer token is malformed (its header is not JSON)', 'malformed');
    }
    if (alg === 'HS256' && secret) return (await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] })).payload;
    if ((alg === 'RS256' || alg === 'ES256') && jwks) return (await jwtVerify(token, jwks, { ...common, algorithms: ['RS256', 'ES256'] })).payload;
    const accepted = [secret ? 'HS256' : null, jwks ? 'RS256, ES256' : null].filter(Boolean).join(', ');
    const named = typeof alg === 'string' && /^[A-Za-z0-9]{1,16}$/.test(alg) ? alg : 'an unknown algorithm';
    throw new AuthenticationError(`tokens signed with ${named} are not accepted (this server accepts ${accepted})`, 'algorithm');
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
      if (!m) throw new AuthenticationError('the Authorization header must be "Bearer <token>"', 'malformed');
      const known = verified.get(m[1]!);
      if (known && (known.expiresAtMs ?? 0) > Date.now()) return known;
      let payload: JWTPayload;
      try {
        payload = await verify(m[1]!);
      } catch (err) {
        throw refusal(err, () => {
          try {
            return JSON.parse(Buffer.from(m[1]!.split('.')[1] ?? '', 'base64url').toString('utf8')) as JWTPayload;
          } catch {
            return null;
          }
        });
      }
      const role = (payload.role ?? 'USER') as Role;
      if (!payload.sub || !UUID.test(payload.sub) || !ROLES.includes(role)) {
        throw new AuthenticationError('the bearer token has no valid sub (a user uuid) or role (USER, SERVICE or ADMIN)', 'claims');
      }
      const principal: Principal = { userId: payload.sub.toLowerCase(), role, via: 'jwt', expiresAtMs: (payload.exp ?? 0) * 1000 };
      remember(m[1]!, principal);
      return principal;
    }
    const key = creds.apiKey?.trim();
    if (key) {
      const checked = await checkApiKey({ em }, key);
      if (!checked.ok) {
        if (checked.why === 'revoked') throw new AuthenticationError('the API key was revoked; create a new one with createApiKey', 'key_revoked');
        if (checked.why === 'unbacked')
          throw new AuthenticationError("the API key's owner has no plan with API access (or a SERVICE key's owner is no SERVICE user)", 'key_unbacked');
        throw new AuthenticationError('the API key is unknown (check that it was copied whole: vpk_…)', 'key_unknown');
      }
      const owner = checked.owner;
      return { userId: owner.userId, role: owner.role, via: 'apiKey' };
    }
    return null;
  };
}
