// Authentication edges: RS256 and ES256 tokens from an identity provider's JWKS, expiry, issuer and
// audience, request ids, and introspection off in production.
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { outcome, startTestApi, type TestApi } from '../support/api';
import { signToken } from '../../src/auth/token-cli';
import { DEV_JWT_SECRET } from '../../src/config/env';

let jwks: Server;
let jwksUrl: string;
let rsa: { privateKey: KeyLike; publicKey: KeyLike };
let ec: { privateKey: KeyLike; publicKey: KeyLike };
let api: TestApi;

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  ec = await generateKeyPair('ES256');
  const keys = [
    { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
    { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
  ];
  jwks = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/.well-known/jwks.json`;
  api = await startTestApi({ JWT_JWKS_URL: jwksUrl, JWT_ISSUER: 'https://id.example.com/', JWT_AUDIENCE: 'billing' });
});
afterAll(async () => {
  await api.stop();
  await new Promise((r) => jwks.close(r));
});

async function idpToken(alg: 'RS256' | 'ES256', sub: string, claims: Record<string, unknown> = {}, exp = '5m'): Promise<string> {
  const key = alg === 'RS256' ? rsa.privateKey : ec.privateKey;
  return new SignJWT({ role: 'USER', ...claims })
    .setProtectedHeader({ alg, kid: alg === 'RS256' ? 'rsa-1' : 'ec-1' })
    .setSubject(sub)
    .setIssuer('https://id.example.com/')
    .setAudience('billing')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);
}

describe('authentication', () => {
  it.each(['RS256', 'ES256'] as const)('accepts %s tokens from the JWKS', async (alg) => {
    const user = await api.account('USER');
    const res = await api.gql('{ me { id } }', {}, { token: await idpToken(alg, user.id) });
    expect(res.body.data).toEqual({ me: { id: user.id } });
  });

  it('refuses expired tokens, wrong issuers and audiences, unknown keys', async () => {
    const user = await api.account('USER');
    const expired = await idpToken('RS256', user.id, {}, '-1m');
    const wrongIssuer = await new SignJWT({ role: 'USER' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setSubject(user.id)
      .setIssuer('https://evil.example.com/')
      .setAudience('billing')
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    const wrongAudience = await new SignJWT({ role: 'USER' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setSubject(user.id)
      .setIssuer('https://id.example.com/')
      .setAudience('other')
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    const otherKey = (await generateKeyPair('RS256')).privateKey;
    const unknownKey = await new SignJWT({ role: 'USER' })
      .setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' })
      .setSubject(user.id)
      .setIssuer('https://id.example.com/')
      .setAudience('billing')
      .setExpirationTime('5m')
      .sign(otherKey);
    const badRole = await idpToken('RS256', user.id, { role: 'ROOT' });
    const noUuid = await idpToken('RS256', 'not-a-uuid');
    for (const token of [expired, wrongIssuer, wrongAudience, unknownKey, badRole, noUuid]) {
      const res = await api.gql('{ me { id } }', {}, { token });
      expect(res.status).toBe(401);
      expect(outcome(res, 'me')).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses an HS256 token signed with the development secret when no secret is configured', async () => {
    const token = await signToken(DEV_JWT_SECRET, randomUUID(), 'ADMIN', 60);
    const res = await api.gql('{ me { id } }', {}, { token });
    expect(outcome(res, 'me')).toBe('UNAUTHENTICATED');
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    const mine = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'req-123' },
      body: '{"query":"{ plans { code } }"}',
    });
    expect(mine.headers.get('x-request-id')).toBe('req-123');
    const odd = await fetch(api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `a b ${'x'.repeat(80)}` },
      body: '{"query":"{ plans { code } }"}',
    });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('production', () => {
  it('turns introspection off', async () => {
    const prod = await startTestApi({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40) });
    try {
      const res = await prod.gql('{ __schema { types { name } } }');
      expect(res.status).toBe(400);
      expect(outcome(res, '__schema')).toBe('GRAPHQL_VALIDATION_FAILED');
    } finally {
      await prod.stop();
    }
  });
});
