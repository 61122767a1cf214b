// A started service on a database of the test file's own, and a GraphQL client over real HTTP.
import { loadConfig, DEV_JWT_SECRET } from '../../src/config/env';
import { startService, type RunningService } from '../../src/app/service';
import { signToken } from '../../src/auth/token-cli';
import type { Role } from '../../src/db/entities/types';
import { createUser } from '../../src/domain/users/create-user';
import { createLogger } from '../../src/observability/logger';
import { createTestDb, type TestDb } from './test-db';

export interface Auth {
  token?: string;
  apiKey?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface GqlResponse<T = Record<string, any>> {
  status: number;
  body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

export interface Account {
  id: string;
  token: string;
  auth: Auth;
}

export interface TestApi {
  db: TestDb;
  service: RunningService;
  url: string;
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, auth?: Auth): Promise<GqlResponse<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  post(body: string, headers?: Record<string, string>, method?: string): Promise<{ status: number; text: string }>;
  account(role?: Role): Promise<Account>;
  stop(): Promise<void>;
}

export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const db = await createTestDb(6);
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    DATABASE_POOL_MAX: '8',
    ...env,
  });
  const service = await startService(config, createLogger('silent'));
  const url = `http://127.0.0.1:${service.port}/graphql`;
  let n = 0;
  const api: TestApi = {
    db,
    service,
    url,
    async gql(query, variables, auth) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (auth?.token) headers.authorization = `Bearer ${auth.token}`;
      if (auth?.apiKey) headers['x-api-key'] = auth.apiKey;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      return { status: res.status, body: (await res.json()) as never };
    },
    async post(body, headers = { 'content-type': 'application/json' }, method = 'POST') {
      const res = await fetch(url, { method, headers, body: method === 'GET' ? undefined : body });
      return { status: res.status, text: await res.text() };
    },
    async account(role: Role = 'USER') {
      n += 1;
      const r = await createUser({ em: db.em() }, { email: `${role.toLowerCase()}-${n}-${Date.now()}@example.com`, role });
      if (!r.ok) throw new Error(r.error.code);
      const token = await signToken(config.jwtSecret ?? DEV_JWT_SECRET, r.value.id, role, 600);
      return { id: r.value.id, token, auth: { token } };
    },
    async stop() {
      await service.stop();
      await db.close();
    },
  };
  return api;
}

/** The first userError code of a mutation payload, or 'OK' when there is none. */
export function outcome(res: GqlResponse, field: string): string {
  if (res.body.errors?.length) return res.body.errors[0]!.extensions?.code ?? 'ERROR';
  const p = res.body.data?.[field] as { userErrors?: { code: string }[] } | undefined;
  return p?.userErrors?.[0]?.code ?? 'OK';
}
