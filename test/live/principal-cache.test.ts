// The request path remembers principals and the plan catalogue in memory (src/auth/authenticate.ts,
// src/domain/queries/plan-catalogue.ts) and forgets them when Postgres says they changed
// (src/db/changes.ts). Held here across two API processes: a revoked API key, the keys of an erased
// account, a changed user and a changed plan are seen as such by both within 1 s of the commit,
// though each process had just answered from memory.
import { randomUUID } from 'node:crypto';
import { DEV_JWT_SECRET } from '../../src/config/env';
import { signToken } from '../../src/auth/token-cli';
import { createApiKey, revokeApiKey } from '../../src/domain/api-keys/api-keys';
import { eraseUser } from '../../src/domain/gdpr/erase-user';
import { requestAccountDeletion } from '../../src/domain/gdpr/request-account-deletion';
import { createUser } from '../../src/domain/users/create-user';
import { startProcess, type ServiceProcess } from '../support/processes';
import { createTestDb, type TestDb } from '../support/test-db';

let db: TestDb;
let apis: ServiceProcess[];

beforeAll(async () => {
  db = await createTestDb(2);
  const env = { DATABASE_URL: db.url, DATABASE_POOL_MAX: '4' };
  apis = await Promise.all([startProcess('api', env), startProcess('api', env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all((apis ?? []).map((p) => p.stop()));
  await db?.close();
});

/** What the property promises: one second after the commit, every process knows. */
const PROMISED_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function post(port: number, headers: Record<string, string>, query: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: await res.json() };
}

async function user(role: 'USER' | 'SERVICE'): Promise<string> {
  const r = await createUser({ em: db.em() }, { email: `${role.toLowerCase()}-${randomUUID()}@example.com`, role });
  if (!r.ok) throw new Error(r.error.code);
  return r.value.id;
}

describe('principals and plans remembered in memory', () => {
  it('refuses a revoked API key in every API process within 1 s of the revocation', async () => {
    const owner = await user('SERVICE');
    const created = await createApiKey({ em: db.em() }, { userId: owner, role: 'SERVICE', name: 'voice engine', createdBy: owner });
    if (!created.ok) throw new Error(created.error.code);
    const headers = { 'x-api-key': created.value.secret };
    // each process has looked the key up and answers from memory now
    for (const api of apis) {
      for (let i = 0; i < 3; i++) expect((await post(api.port, headers, '{ me { id role } }')).body.data.me).toEqual({ id: owner, role: 'SERVICE' });
    }
    const revoked = await revokeApiKey({ em: db.em() }, created.value.apiKey.id);
    expect(revoked.ok).toBe(true);
    await sleep(PROMISED_MS);
    for (const api of apis) {
      const res = await post(api.port, headers, '{ me { id role } }');
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses the API key of an erased account in every API process within 1 s of the erasure', async () => {
    const id = await user('SERVICE');
    const created = await createApiKey({ em: db.em() }, { userId: id, role: 'SERVICE', name: 'voice engine', createdBy: id });
    if (!created.ok) throw new Error(created.error.code);
    const headers = { 'x-api-key': created.value.secret };
    for (const api of apis) {
      for (let i = 0; i < 3; i++) expect((await post(api.port, headers, '{ me { id } }')).body.data.me.id).toBe(id);
    }
    const requested = await requestAccountDeletion({ em: db.em(), actor: { id, role: 'SERVICE' }, jobs: null }, { userId: id });
    expect(requested.ok).toBe(true);
    // a request for deletion alone does not end the account; its erasure does
    for (const api of apis) expect((await post(api.port, headers, '{ me { id } }')).status).toBe(200);
    const erased = await eraseUser({ em: db.em(), payments: null }, { userId: id });
    expect(erased.ok).toBe(true);
    await sleep(PROMISED_MS);
    for (const api of apis) {
      const res = await post(api.port, headers, '{ me { id } }');
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it("answers a user's changed row from every API process within 1 s of the change", async () => {
    const id = await user('USER');
    const headers = { authorization: `Bearer ${await signToken(DEV_JWT_SECRET, id, 'USER', 600)}` };
    for (const api of apis) expect((await post(api.port, headers, '{ me { id timeZone } }')).body.data.me.timeZone).toBe('Europe/Berlin');
    await db.em().getConnection().execute(`update users set time_zone = 'America/New_York' where id = ?`, [id]);
    await sleep(PROMISED_MS);
    for (const api of apis) expect((await post(api.port, headers, '{ me { id timeZone } }')).body.data.me.timeZone).toBe('America/New_York');
  });

  it('answers a changed plan from every API process within 1 s of the change', async () => {
    const before = await post(apis[0]!.port, {}, '{ plans { code name } }');
    const plan = before.body.data.plans[0] as { code: string; name: string };
    for (const api of apis) expect((await post(api.port, {}, '{ plans { code name } }')).body.data.plans[0].name).toBe(plan.name);
    const name = `${plan.name} (renamed ${randomUUID().slice(0, 8)})`;
    await db.em().getConnection().execute('update plans set name = ? where code = ?', [name, plan.code]);
    await sleep(PROMISED_MS);
    for (const api of apis) {
      const plans = (await post(api.port, {}, '{ plans { code name } }')).body.data.plans as { code: string; name: string }[];
      expect(plans.find((p) => p.code === plan.code)!.name).toBe(name);
    }
  });
});
