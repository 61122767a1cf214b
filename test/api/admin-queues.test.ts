// The queue dashboard at /admin/queues: ADMIN only, with the same credentials as GraphQL; a browser
// gets in once with ?token= and keeps an HttpOnly, SameSite=Strict cookie for the dashboard's path.
import { QUEUE_NAMES } from '../../src/queues/jobs';
import { ADMIN_COOKIE } from '../../src/http/admin-queues';
import { startTestApi, type TestApi } from '../support/api';

let api: TestApi;
let base: string;

beforeAll(async () => {
  api = await startTestApi();
  base = api.url.replace('/graphql', '/admin/queues');
});
afterAll(async () => {
  await api.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual' });

describe('the queue dashboard', () => {
  it('refuses callers without a credential (401) and with a bad one (401)', async () => {
    expect((await get('')).status).toBe(401);
    expect((await get('/api/queues')).status).toBe(401);
    expect((await get('', { authorization: 'Bearer not.a.token' })).status).toBe(401);
    expect((await get('', { cookie: `${ADMIN_COOKIE}=not.a.token` })).status).toBe(401);
  });

  it('refuses USER and SERVICE (403), also for its actions', async () => {
    for (const role of ['USER', 'SERVICE'] as const) {
      const who = await api.account(role);
      expect((await get('', { authorization: `Bearer ${who.token}` })).status).toBe(403);
      const retry = await fetch(`${base}/api/queues/${QUEUE_NAMES[0]}/retry/failed`, { method: 'PUT', headers: { authorization: `Bearer ${who.token}` } });
      expect(retry.status).toBe(403);
      const viaLink = await get(`?token=${who.token}`);
      expect(viaLink.status).toBe(403);
      expect(viaLink.headers.get('set-cookie')).toBeNull();
    }
  });

  it('shows an ADMIN every queue of the service', async () => {
    const admin = await api.account('ADMIN');
    const page = await get('', { authorization: `Bearer ${admin.token}` });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>VoicePartnerAI queues</title>');
    const res = await get('/api/queues', { authorization: `Bearer ${admin.token}` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { name: string }[] };
    expect(body.queues.map((q) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
  });

  it('lets a browser in with ?token= once: a path-scoped HttpOnly SameSite=Strict cookie, and the token out of the address', async () => {
    const admin = await api.account('ADMIN');
    const first = await get(`?token=${admin.token}&view=failed`);
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/admin/queues?view=failed');
    const setCookie = first.headers.get('set-cookie')!;
    expect(setCookie).toMatch(new RegExp(`^${ADMIN_COOKIE}=${admin.token.replace(/\./g, '\\.')};`));
    expect(setCookie).toMatch(/Path=\/admin\/queues/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Max-Age=(59\d|600)/); // until the token expires (10 minutes)
    const cookie = setCookie.split(';')[0]!;
    expect((await get('', { cookie })).status).toBe(200);
    expect((await get('/api/queues', { cookie })).status).toBe(200);
  });
});
