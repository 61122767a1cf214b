// The service serves the built web app at /app as a single-page app (every path under /app that is
// not a file answers index.html; assets that do not exist are 404s), redirects / there, serves the
// explorer at /explorer unless it is switched off (production default), and says how to build the
// app when it is missing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/env';
import { startTestApi, type TestApi } from '../support/api';

let dist: string;
let on: TestApi;
let off: TestApi;
let origin: (api: TestApi) => string;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'vp-dist-web-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>app</title><div id="root"></div>');
  writeFileSync(join(dist, 'explorer.html'), '<!doctype html><title>explorer</title>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  on = await startTestApi({ WEB_DIST_DIR: dist, EXPLORER_ENABLED: 'true' });
  off = await startTestApi({ WEB_DIST_DIR: join(dist, 'missing'), EXPLORER_ENABLED: 'false' });
  origin = (api) => api.url.replace('/graphql', '');
});
afterAll(async () => {
  await on.stop();
  await off.stop();
  rmSync(dist, { recursive: true, force: true });
});

describe('the web app at /app', () => {
  it('answers index.html for /app and every client-side route under it, never cached', async () => {
    for (const path of ['/app', '/app/', '/app/checkout/success', '/app/admin/anything']) {
      const res = await fetch(`${origin(on)}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(await res.text()).toContain('<title>app</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('serves hashed assets as immutable and answers a missing asset 404 in JSON, not the page', async () => {
    const asset = await fetch(`${origin(on)}/app/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const missing = await fetch(`${origin(on)}/app/assets/nope.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
  });

  it('redirects / to /app/', async () => {
    const res = await fetch(`${origin(on)}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/app/');
  });

  it('says how to build the app when dist-web is missing', async () => {
    const res = await fetch(`${origin(off)}/app/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:web');
  });
});

describe('the explorer at /explorer', () => {
  it('is served when EXPLORER_ENABLED is on', async () => {
    const res = await fetch(`${origin(on)}/explorer`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>explorer</title>');
  });

  it('is off when EXPLORER_ENABLED is off, also as /app/explorer.html', async () => {
    expect((await fetch(`${origin(off)}/explorer`)).status).toBe(404);
    expect((await fetch(`${origin(off)}/app/explorer.html`)).status).toBe(404);
  });

  it('is off by default in production and on elsewhere', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }).explorerEnabled).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), EXPLORER_ENABLED: 'true' }).explorerEnabled).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).explorerEnabled).toBe(true);
  });
});
