// A WebSocket refused in connection_init closes with 4403 and a reason a developer can act on —
// missing, malformed, expired, bad signature, another algorithm, unknown or revoked key, a key no
// longer backed, an erased account — never plain "Forbidden", never a secret. A real ws client
// against the service over TCP.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { createApiKey, revokeApiKey } from '../../src/domain/api-keys/api-keys';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;

beforeAll(async () => {
  // no address runs out of its failed-authentication budget in this file
  api = await startTestApi({ RATE_LIMIT_PER_MINUTE: '1000' });
});
afterAll(async () => {
  await api.stop();
});

interface Outcome {
  code: number;
  reason: string;
  acked: boolean;
}

function connect(payload: Record<string, unknown>): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${api.service.port}/graphql`, 'graphql-transport-ws');
    let acked = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload })));
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') {
        acked = true;
        ws.close(1000);
      }
    });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8'), acked }));
    ws.on('error', reject);
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** What every refusal holds to: 4403, a reason within the 123 bytes a close frame carries, no secret. */
function refused(o: Outcome, secrets: string[] = []): string {
  expect(o.acked).toBe(false);
  expect(o.code).toBe(4403);
  expect(o.reason).toMatch(/^Forbidden: ./);
  expect(Buffer.byteLength(o.reason)).toBeLessThanOrEqual(123);
  for (const s of [DEV_JWT_SECRET, ...secrets]) expect(o.reason).not.toContain(s);
  return o.reason;
}

it('a valid token is acknowledged (the refusals below are about the credential only)', async () => {
  const anna = await api.account();
  expect(await connect(bearer(anna.token))).toMatchObject({ acked: true, code: 1000 });
});

it('no credential: the reason says what connection_init must carry', async () => {
  expect(refused(await connect({}))).toMatch(/no credential.*authorization.*apiKey.*connection_init/);
});

it('a malformed Authorization value: the reason shows the expected form', async () => {
  expect(refused(await connect({ authorization: 'Token abc' }))).toContain('must be "Bearer <token>"');
  expect(refused(await connect(bearer('not.a.jwt')))).toContain('malformed');
});

it('an expired token: the reason says expired, and when', async () => {
  const anna = await api.account();
  const expired = await signToken(DEV_JWT_SECRET, anna.id, 'USER', -120);
  expect(refused(await connect(bearer(expired)))).toMatch(/expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
});

it('a token signed with another secret: the reason says the signature does not verify, and shows neither secret', async () => {
  const other = `another-secret-${randomUUID()}`;
  const forged = await signToken(other, randomUUID(), 'ADMIN', 600);
  expect(refused(await connect(bearer(forged)), [other])).toContain('signature does not verify');
});

it('a token of another algorithm (alg none): the reason names what is accepted', async () => {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify({ sub: randomUUID(), role: 'ADMIN', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
  expect(refused(await connect(bearer(`${header}.${body}.`)))).toMatch(/none are not accepted.*HS256/);
});

it('an unknown API key, a revoked one and one no longer backed each say which', async () => {
  const engine = await api.account('SERVICE');
  const created = async (name: string) => {
    const r = await createApiKey({ em: api.db.em() }, { userId: engine.id, role: 'SERVICE', name, createdBy: engine.id });
    if (!r.ok) throw new Error(r.error.code);
    return r.value;
  };
  const revoked = await created('revoked');
  const unbacked = await created('unbacked');
  const r = await revokeApiKey({ em: api.db.em() }, revoked.apiKey.id);
  expect(r.ok).toBe(true);

  expect(refused(await connect({ apiKey: `vpk_${'c'.repeat(12)}_${'z'.repeat(43)}` }))).toContain('API key is unknown');
  expect(refused(await connect({ apiKey: revoked.secret }), [revoked.secret])).toContain('API key was revoked');

  // a SERVICE key whose user is no SERVICE user any more
  await api.db.em().getConnection().execute(`update users set role = 'USER' where id = ?`, [engine.id]);
  expect(refused(await connect({ apiKey: unbacked.secret }), [unbacked.secret])).toContain('no plan with API access');
});

it("an erased account's token (still unexpired) is refused with a reason that says so", async () => {
  const anna = await api.account();
  await api.db.em().getConnection().execute('update users set erased_at = now() where id = ?', [anna.id]);
  expect(refused(await connect(bearer(anna.token)))).toContain('was erased');
});
