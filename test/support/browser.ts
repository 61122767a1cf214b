// A real browser for the e2e tier: Debian's Chromium (installed by .ci/run) driven by
// playwright-core, headless, with a fresh profile per run. Console errors and page errors of every
// page are collected so a test can assert there were none; screenshots go to test-results/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS = join(__dirname, '..', '..', 'test-results');

/** Builds dist-web/ when web/ changed since the last build (a no-op otherwise). */
export function buildWebApp(): void {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'scripts', 'build-web.js')], { stdio: 'inherit' });
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** "page url: message" of every console error and uncaught page error so far. */
  problems: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  // a fresh profile: Playwright passes it as --user-data-dir (it refuses that flag in args)
  const profile = mkdtempSync(join(tmpdir(), 'vp-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    locale: 'de-DE',
    timezoneId: 'Europe/Berlin',
  });
  const problems: string[] = [];
  const watch = (p: Page) => {
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${p.url()}: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${p.url()}: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Runs a test body; on failure every open page is photographed into test-results/ first. */
export async function photographOnFailure(browser: Browser, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    mkdirSync(RESULTS, { recursive: true });
    let i = 0;
    for (const p of browser.context.pages()) {
      await p.screenshot({ path: join(RESULTS, `${name}-failure-${i++}.png`), fullPage: true }).catch(() => undefined);
    }
    throw err;
  }
}
