// Who is calling: a bearer JWT (HS256 with JWT_SECRET, or RS256/ES256 from a JWKS URL; `sub` = user
// id, `role` = USER | SERVICE | ADMIN, expiry enforced) or an API key in `x-api-key`. Transport-free:
// HTTP and WebSocket connections both hand their headers here.
//
// Without a database read per request: what a credential stands for is remembered in the process —
// a verified JWT until it expires (it needs no database), an API key's owner for at most
// API_KEY_CACHE_MS — and a key is forgotten when Postgres says it changed (src/db/changes.ts: a
// revoked key, e.g. at an erasure; its user's role, membership or plan), which every API process
// hears within milliseconds of the commit. While that listener is not listening nothing is remembered: every
// request reads the database, as without the caches.
import { createRemoteJWKSet, errors as jose, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config/env';
import { ROLES, type Role } from '../db/entities/types';
import type { Em } from '../db/em';
import { NO_CHANGES, type Changes } from '../db/changes';
import { checkApiKey, hashSecret, type KeyOwner } from '../domain/api-keys/api-keys';

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
/** How long an API key's owner is remembered at most (also: how often its last use is written at most, per process). */
export const API_KEY_CACHE_MS = 30_000;
const CACHED_KEYS_MAX = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Credentials {
  authorization?: string | null;
  apiKey?: string | null;
}

/** `em` may be given as a function, called only when the credential needs the database. */
export type Authenticator = (creds: Credentials, em: Em | (() => Em)) => Promise<Principal | null>;

const emOf = (em: Em | (() => Em)): Em => (typeof em === 'function' ? em() : em);

export function createAuthenticator(
  config: Pick<Config, 'jwtSecret' | 'jwtJwksUrl' | 'jwtIssuer' | 'jwtAudience'>,
  changes: Changes = NO_CHANGES,
): Authenticator {
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

  // what the database said, remembered while the change listener hears every change
  const keys = new Map<string, { owner: KeyOwner; untilMs: number }>();
  changes.on((c) => {
    if (c.kind === 'user') {
      for (const [hash, k] of keys) if (k.owner.userId === c.id) keys.delete(hash);
    } else if (c.kind === 'key') {
      keys.delete(c.id);
    } else {
      // all, or the plans (a plan's features decide whether a USER key is backed)
      keys.clear();
    }
  });
  const bounded = <K, V>(m: Map<K, V>, max: number, k: K, v: V) => {
    if (m.size >= max) m.delete(m.keys().next().value!);
    m.set(k, v);
  };

  /** checkApiKey's answer; a key it accepts is remembered (a refusal is not: it says why each time). */
  async function keyOwner(key: string, em: Em | (() => Em)): Promise<Awaited<ReturnType<typeof checkApiKey>>> {
    const hash = hashSecret(key);
    const known = changes.live ? keys.get(hash) : undefined;
    if (known && known.untilMs > Date.now()) return { ok: true, owner: known.owner };
    const generation = changes.generation;
    const checked = await checkApiKey({ em: emOf(em) }, key);
    if (checked.ok && changes.live && changes.generation === generation)
      bounded(keys, CACHED_KEYS_MAX, hash, { owner: checked.owner, untilMs: Date.now() + API_KEY_CACHE_MS });
    return checked;
  }

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
      const checked = await keyOwner(key, em);
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
