// A development token names a user that exists: `npm run token` (the built CLI) creates the user it
// names when missing, with the role asked for, so `{ me }` answers at once instead of FORBIDDEN "no
// longer exists" — as the ADMIN and SERVICE examples in docs/api.md promise. It creates nothing in
// production, for a user that exists, or with --no-create.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDevUser } from '../../src/auth/dev-user';
import { loadConfig } from '../../src/config/env';
import { startTestApi, type TestApi } from '../support/api';

const CLI = join(__dirname, '..', '..', 'dist', 'src', 'auth', 'token-cli.js');
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

async function token(args: string[], env: Record<string, string> = {}): Promise<{ token: string; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
    env: { ...process.env, NODE_ENV: 'development', DATABASE_URL: api.db.url, ...env },
  });
  return { token: stdout.trim(), stderr };
}

const users = async (id: string) => api.db.em().getConnection().execute<{ email: string; role: string }[]>('select email, role from users where id = ?', [id]);

const ME = '{ me { id role balance { balanceSeconds } } }';

it.each(['ADMIN', 'SERVICE', 'USER'] as const)('a %s token from npm run token answers { me } for a user that now exists', async (role) => {
  const id = randomUUID();
  const t = await token(['--user', id, '--role', role]);
  expect(t.stderr).toContain(`created the development user ${id} (${role}`);
  const res = await api.gql(ME, {}, { token: t.token });
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data!.me).toEqual({ id, role, balance: { balanceSeconds: 0 } });
  expect(await users(id)).toEqual([{ email: `dev-${role.toLowerCase()}-${id}@example.invalid`, role }]);
});

it('the documented example users work: the ADMIN creates a customer, the SERVICE holds seconds for them', async () => {
  const admin = (await token(['--user', '00000000-0000-4000-8000-000000000001', '--role', 'ADMIN'])).token;
  const service = (await token(['--user', '00000000-0000-4000-8000-000000000002', '--role', 'SERVICE'])).token;
  const created = await api.gql('mutation { createUser(input: { email: "anna@example.com" }) { user { id } userErrors { code } } }', {}, { token: admin });
  const userId = created.body.data!.createUser.user.id as string;
  const granted = await api.gql(
    'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
    { i: { userId, seconds: 6000, source: 'BONUS', idempotencyKey: 'welcome-anna' } },
    { token: admin },
  );
  expect(granted.body.data!.grantCredits.userErrors).toEqual([]);
  const held = await api.gql(
    'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { balance { availableSeconds } userErrors { code } } }',
    { i: { userId, seconds: 300, idempotencyKey: 'call-42-hold' } },
    { token: service },
  );
  expect(held.body.data!.reserveCredits).toEqual({ balance: { availableSeconds: 5700 }, userErrors: [] });
  for (const t of [admin, service]) expect((await api.gql('{ me { id } }', {}, { token: t })).body.errors).toBeUndefined();
});

it('a user that exists is left as it is (a USER token for a customer changes nothing)', async () => {
  const anna = await api.account();
  const before = await users(anna.id);
  const t = await token(['--user', anna.id]);
  expect(t.stderr).toBe('');
  expect(await users(anna.id)).toEqual(before);
  expect((await api.gql('{ me { id } }', {}, { token: t.token })).body.data!.me).toEqual({ id: anna.id });
});

it('--no-create signs the token and creates nothing', async () => {
  const id = randomUUID();
  const t = await token(['--user', id, '--role', 'ADMIN', '--no-create']);
  expect(t.token.split('.')).toHaveLength(3);
  expect(await users(id)).toEqual([]);
});

it('production creates nothing', async () => {
  const id = randomUUID();
  const outcome = await ensureDevUser({ ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: api.db.url }), nodeEnv: 'production' }, id, 'ADMIN');
  expect(outcome.status).toBe('skipped');
  expect(await users(id)).toEqual([]);
});

it('a database not set up yet: the token is still printed, and stderr says to start the service first', async () => {
  const url = new URL(api.db.url);
  url.pathname = `/${api.db.name}_missing`;
  const t = await token(['--user', randomUUID(), '--role', 'ADMIN'], { DATABASE_URL: url.toString() });
  expect(t.token.split('.')).toHaveLength(3);
  expect(t.stderr).toContain('not set up yet: start the service once (npm start)');
});
