// Analytics over real HTTP: who may ask what (USER: own figures; another user's → FORBIDDEN;
// ADMIN-only queries FORBIDDEN for USER and SERVICE; ADMIN must name the user), that answers are
// current right after a usage is recorded, and malformed input as BAD_USER_INPUT. The numbers
// themselves are tested on a fixed data set in test/integration/analytics-metrics.test.ts.
import { setMembership } from '../../src/domain/memberships/set-membership';
import { startTestApi, type Account, type TestApi } from '../support/api';

let api: TestApi;
let admin: Account;
let service: Account;
let anna: Account;
let ben: Account;

const FROM = new Date(Date.now() - 3 * 86_400_000).toISOString();
const TO = new Date(Date.now() + 86_400_000).toISOString();

const USAGE = `query($u: ID, $g: UsageGranularity!, $from: DateTime!, $to: DateTime!) {
  usage(userId: $u, granularity: $g, from: $from, to: $to) { userId timeZone buckets { localDate calls usedSeconds } totals { calls usedSeconds billableSeconds } }
}`;
const FORECAST = 'query($u: ID) { usageForecast(userId: $u) { userId usedSeconds dailyRateSeconds basisDays balanceSeconds periodEnd } }';
const ROI = 'query($u: ID) { roi(userId: $u, agentCostCentsPerHour: 3000) { userId handledSeconds humanCostCents spendCents savingsCents } }';
const ADMIN_QUERIES: Record<string, string> = {
  revenueMetrics: `query($from: DateTime!, $to: DateTime!) { revenueMetrics(from: $from, to: $to) { mrrCents customers customerChurnRateBp arpuCents ltvCents } }`,
  tierUsage: '{ tierUsage { planCode customers p50ShareBp } }',
  customerEconomics:
    '{ customerEconomics(first: 5) { totalCount edges { cursor node { userId revenueCents costCents marginCents marginBp } } pageInfo { hasNextPage endCursor } } }',
  unitEconomics: '{ unitEconomics { costPerMinuteMillicents plans { planCode listPricePerIncludedMinuteMillicents listMarginBp } } }',
};

const code = (res: { body: { errors?: { extensions?: { code?: string } }[] } }) => res.body.errors?.[0]?.extensions?.code ?? 'OK';

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.account('ADMIN');
  service = await api.account('SERVICE');
  anna = await api.account('USER');
  ben = await api.account('USER');
  await setMembership(
    { em: api.db.em() },
    {
      userId: anna.id,
      planCode: 'STARTER',
      status: 'ACTIVE',
      currentPeriodStart: new Date(Date.now() - 86_400_000),
      currentPeriodEnd: new Date(Date.now() + 20 * 86_400_000),
    },
  );
  await api.gql(
    'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
    { i: { userId: anna.id, seconds: 6000, source: 'BONUS', idempotencyKey: 'seed' } },
    admin.auth,
  );
});
afterAll(async () => {
  await api.stop();
});

describe('analytics over HTTP', () => {
  it("answers a user's own usage, current right after a usage was recorded", async () => {
    const rec = await api.gql(
      'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { billedSeconds userErrors { code } } }',
      { i: { userId: anna.id, seconds: 95, idempotencyKey: 'call-1' } },
      service.auth,
    );
    expect(rec.body.data?.recordUsage).toEqual({ billedSeconds: 95, userErrors: [] });
    const res = await api.gql(USAGE, { g: 'DAY', from: FROM, to: TO }, anna.auth);
    expect(code(res)).toBe('OK');
    expect(res.body.data!.usage).toMatchObject({ userId: anna.id, timeZone: 'Europe/Berlin', totals: { calls: 1, usedSeconds: 95, billableSeconds: 95 } });
    expect(res.body.data!.usage.buckets.length).toBeGreaterThanOrEqual(4);
    for (const q of [FORECAST, ROI]) expect(code(await api.gql(q, {}, anna.auth))).toBe('OK');
    const roi = await api.gql(ROI, {}, anna.auth);
    expect(roi.body.data!.roi).toMatchObject({ userId: anna.id, handledSeconds: 95, humanCostCents: 79, spendCents: 0, savingsCents: 79 });
  });

  it("refuses another user's figures with FORBIDDEN", async () => {
    expect(code(await api.gql(USAGE, { u: anna.id, g: 'WEEK', from: FROM, to: TO }, ben.auth))).toBe('FORBIDDEN');
    expect(code(await api.gql(FORECAST, { u: anna.id }, ben.auth))).toBe('FORBIDDEN');
    expect(code(await api.gql(ROI, { u: anna.id }, ben.auth))).toBe('FORBIDDEN');
  });

  it('refuses the admin figures to USER and SERVICE with FORBIDDEN, and every analytics query without credentials', async () => {
    for (const [name, q] of Object.entries(ADMIN_QUERIES)) {
      expect([name, code(await api.gql(q, { from: FROM, to: TO }, anna.auth))]).toEqual([name, 'FORBIDDEN']);
      expect([name, code(await api.gql(q, { from: FROM, to: TO }, service.auth))]).toEqual([name, 'FORBIDDEN']);
      expect([name, code(await api.gql(q, { from: FROM, to: TO }))]).toEqual([name, 'UNAUTHENTICATED']);
    }
    expect(code(await api.gql(USAGE, { u: anna.id, g: 'DAY', from: FROM, to: TO }, service.auth))).toBe('FORBIDDEN');
    expect(code(await api.gql(FORECAST, {}))).toBe('UNAUTHENTICATED');
  });

  it("lets ADMIN read any user's figures (naming the user) and the admin figures", async () => {
    const usage = await api.gql(USAGE, { u: anna.id, g: 'MONTH', from: FROM, to: TO }, admin.auth);
    expect(usage.body.data!.usage.totals).toMatchObject({ calls: 1, usedSeconds: 95 });
    expect(code(await api.gql(USAGE, { g: 'DAY', from: FROM, to: TO }, admin.auth))).toBe('BAD_USER_INPUT');
    const forecast = await api.gql(FORECAST, { u: anna.id }, admin.auth);
    expect(forecast.body.data!.usageForecast).toMatchObject({ userId: anna.id, usedSeconds: 95, balanceSeconds: 5905 });
    for (const [name, q] of Object.entries(ADMIN_QUERIES)) {
      const res = await api.gql(q, { from: FROM, to: TO }, admin.auth);
      expect([name, code(res)]).toEqual([name, 'OK']);
    }
    const unit = await api.gql(ADMIN_QUERIES.unitEconomics!, {}, admin.auth);
    expect(unit.body.data!.unitEconomics.plans[0]).toEqual({ planCode: 'STARTER', listPricePerIncludedMinuteMillicents: 24_500, listMarginBp: 4286 });
    const econ = await api.gql(ADMIN_QUERIES.customerEconomics!, {}, admin.auth);
    expect(econ.body.data!.customerEconomics.edges[0].node).toMatchObject({ userId: anna.id, revenueCents: 0, costCents: 22, marginCents: -22 });
  });

  it('answers malformed ranges, unknown users and bad cursors with BAD_USER_INPUT', async () => {
    expect(code(await api.gql(USAGE, { g: 'DAY', from: TO, to: FROM }, anna.auth))).toBe('BAD_USER_INPUT');
    expect(code(await api.gql(USAGE, { g: 'DAY', from: '2020-01-01T00:00:00Z', to: TO }, anna.auth))).toBe('BAD_USER_INPUT');
    expect(code(await api.gql(USAGE, { g: 'HOUR', from: FROM, to: TO }, anna.auth))).toBe('BAD_USER_INPUT');
    expect(code(await api.gql(FORECAST, { u: '00000000-0000-4000-8000-000000000000' }, admin.auth))).toBe('BAD_USER_INPUT');
    expect(code(await api.gql('{ roi(agentCostCentsPerHour: -5) { spendCents } }', {}, anna.auth))).toBe('BAD_USER_INPUT');
    expect(code(await api.gql('{ customerEconomics(after: "bm9wZQ") { totalCount } }', {}, admin.auth))).toBe('BAD_USER_INPUT');
    expect(code(await api.gql(ADMIN_QUERIES.revenueMetrics!, { from: TO, to: FROM }, admin.auth))).toBe('BAD_USER_INPUT');
  });
});
