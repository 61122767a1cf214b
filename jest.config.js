/**
 * Jest: TypeScript through SWC with legacy decorators and decorator metadata (type-graphql and
 * MikroORM need both), in six tiers, one jest project each (`npm run test:<tier>`; `npm test`
 * runs them all in one run):
 *
 * - unit: pure code, no Postgres, no Redis, no build; runs in seconds.
 * - integration: the ledger and its jobs against Postgres (and Redis where a job needs it).
 * - api: the GraphQL/HTTP service in process, with the fake Stripe.
 * - live: the built service as separate processes (restarts, crashes, scale-out, TLS).
 * - sim: the lifecycle simulator and its reference model.
 * - e2e: the web app in a real browser (Chromium through playwright-core) against the service in
 *   process with the fake Stripe; it builds the web app first when web/ changed (scripts/build-web.js).
 *
 * VP_TEST_TIER=<tier>[,<tier>] keeps only those projects (what `npm run test:<tier>` sets). It is an
 * environment variable rather than `--selectProjects`, because that flag takes every word after it
 * as a project name: `jest --selectProjects api test/api/auth.test.ts` would run the whole tier.
 *
 * globalSetup is a project option: Jest runs a project's global setup only when at least one of
 * that project's tests is selected (and a module shared by several projects once). So the tiers
 * that need a database build with tsc and migrate a template database; unit selects none of it.
 */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

const common = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 60_000,
};

/** A tier that needs Postgres (a migrated template database) and the built code. */
const withDatabase = {
  ...common,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

const tier = (name, config) => ({ ...config, displayName: name, roots: [`<rootDir>/test/${name}`] });

const tiers = [
  tier('unit', common),
  tier('integration', withDatabase),
  tier('api', withDatabase),
  tier('live', withDatabase),
  tier('sim', withDatabase),
  tier('e2e', withDatabase),
];

const selected = process.env.VP_TEST_TIER ? process.env.VP_TEST_TIER.split(',').map((t) => t.trim()) : null;
const unknown = (selected ?? []).filter((name) => !tiers.some((t) => t.displayName === name));
if (unknown.length) throw new Error(`VP_TEST_TIER: no tier ${unknown.join(', ')} (tiers: ${tiers.map((t) => t.displayName).join(', ')})`);

module.exports = {
  // a global option: inside a project it is ignored when there are several
  testTimeout: 60_000,
  projects: selected ? tiers.filter((t) => selected.includes(t.displayName)) : tiers,
  maxWorkers: 2,
};
