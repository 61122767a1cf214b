// Personal data and the books' checks over real HTTP: consents with their history, the streamed
// export behind a short-lived link, the deletion request, the audit log with its filters, ledger
// verification; who may do what, and bad input answered with typed errors and nothing written.
import { randomUUID } from 'node:crypto';
import { setMembership } from '../../src/domain/memberships/set-membership';
import { EXPORT_SECTIONS } from '../../src/domain/gdpr/export-user-data';
import { outcome, type Account, type TestApi, startTestApi } from '../support/api';
import { download } from '../support/personal-data';
import { until } from '../support/wait';

let api: TestApi;
let admin: Account;
let service: Account;
let user: Account;
let other: Account;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.account('ADMIN');
  service = await api.account('SERVICE');
  user = await api.account('USER');
  other = await api.account('USER');
});
afterAll(async () => {
  await api.stop();
});

const Q = {
  // (a connection's selection counts once per row, up to 100 rows when `first` is a variable: kept small)
  consents:
    'query($u: ID, $first: Int, $after: String) { consents(userId: $u, first: $first, after: $after) { edges { node { id purpose granted policyVersion source recordedByRole } } pageInfo { hasNextPage endCursor } totalCount current { purpose granted policyVersion source changedAt } } }',
  grantConsent:
    'mutation($i: GrantConsentInput!) { grantConsent(input: $i) { record { id purpose granted policyVersion source recordedByRole } consents { purpose granted policyVersion } userErrors { code field } } }',
  revokeConsent:
    'mutation($i: RevokeConsentInput!) { revokeConsent(input: $i) { record { id purpose granted policyVersion source } consents { purpose granted } userErrors { code field } } }',
  exportMyData: 'mutation($i: ExportMyDataInput!) { exportMyData(input: $i) { url expiresAt userErrors { code field } } }',
  deletion:
    'mutation($i: RequestAccountDeletionInput!) { requestAccountDeletion(input: $i) { request { userId status requestedAt completedAt } userErrors { code field } } }',
  auditLog: `query($actor: ID, $target: ID, $actions: [AuditAction!], $from: DateTime, $to: DateTime, $first: Int, $after: String) {
    auditLog(actorId: $actor, targetUserId: $target, actions: $actions, from: $from, to: $to, first: $first, after: $after) {
      edges { cursor node { id occurredAt actorId actorRole action targetUserId subjectId before after } } pageInfo { hasNextPage endCursor } totalCount } }`,
  verify:
    'query($u: ID!) { verifyLedger(userId: $u) { userId ok balanceSeconds entriesChecked firstBadSequence firstBadInvariants problems { invariant sequence message } } }',
  grant: 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
  recordUsage: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { transaction { id } userErrors { code } } }',
  createUser: 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }',
  createApiKey: 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id prefix } userErrors { code } } }',
  revokeApiKey: 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { id } userErrors { code } } }',
  setOverageLimit: 'mutation($i: SetOverageLimitInput!) { setOverageLimit(input: $i) { membership { overageLimitCents } userErrors { code } } }',
};

async function count(table: string): Promise<number> {
  const [r] = await api.db.em().getConnection().execute<{ n: string }[]>(`select count(*) as n from ${table}`);
  return Number(r!.n);
}

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['consent_records', 'audit_log', 'data_exports', 'erasure_requests', 'users', 'api_keys']) out[t] = await count(t);
  return out;
}

async function enterprise(acc: Account): Promise<void> {
  const r = await setMembership(
    { em: api.db.em() },
    {
      userId: acc.id,
      planCode: 'ENTERPRISE',
      status: 'ACTIVE',
      currentPeriodStart: new Date(Date.now() - 1000),
      currentPeriodEnd: new Date(Date.now() + 86_400_000),
    },
  );
  if (!r.ok) throw new Error(r.error.code);
}

describe('consents', () => {
  it('keeps every decision in the history and answers the current state per purpose', async () => {
    const me = await api.account('USER');
    const g1 = await api.gql(Q.grantConsent, { i: { purpose: 'VOICE_RECORDING', policyVersion: '2026-01', source: 'web' } }, me.auth);
    expect(g1.body.data!.grantConsent).toMatchObject({
      record: { purpose: 'VOICE_RECORDING', granted: true, policyVersion: '2026-01', source: 'web', recordedByRole: 'USER' },
      userErrors: [],
    });
    // the same grant again changes nothing; a new policy version is a new decision
    const same = await api.gql(Q.grantConsent, { i: { purpose: 'VOICE_RECORDING', policyVersion: '2026-01', source: 'app:ios' } }, me.auth);
    expect(same.body.data!.grantConsent).toMatchObject({ record: null, userErrors: [] });
    await api.gql(Q.grantConsent, { i: { purpose: 'VOICE_RECORDING', policyVersion: '2026-06', source: 'app:ios' } }, me.auth);
    const revoked = await api.gql(Q.revokeConsent, { i: { purpose: 'VOICE_RECORDING', source: 'web' } }, me.auth);
    expect(revoked.body.data!.revokeConsent.record).toMatchObject({ granted: false, policyVersion: '2026-06' });
    // revoking what is not granted changes nothing
    const noop = await api.gql(Q.revokeConsent, { i: { purpose: 'VOICE_TRAINING', source: 'web' } }, me.auth);
    expect(noop.body.data!.revokeConsent).toMatchObject({ record: null, userErrors: [] });
    // an admin records one given on the phone
    await api.gql(Q.grantConsent, { i: { userId: me.id, purpose: 'VOICE_PROCESSING', policyVersion: '2026-06', source: 'support' } }, admin.auth);

    const page1 = await api.gql(Q.consents, { first: 2 }, me.auth);
    const c1 = page1.body.data!.consents;
    expect(c1.totalCount).toBe(4);
    expect(
      c1.edges.map((e: { node: { purpose: string; granted: boolean; recordedByRole: string } }) => [e.node.purpose, e.node.granted, e.node.recordedByRole]),
    ).toEqual([
      ['VOICE_PROCESSING', true, 'ADMIN'],
      ['VOICE_RECORDING', false, 'USER'],
    ]);
    expect(c1.current).toEqual([
      expect.objectContaining({ purpose: 'VOICE_PROCESSING', granted: true, policyVersion: '2026-06', source: 'support' }),
      expect.objectContaining({ purpose: 'VOICE_RECORDING', granted: false, policyVersion: '2026-06' }),
      { purpose: 'VOICE_TRAINING', granted: false, policyVersion: null, source: null, changedAt: null },
    ]);
    const page2 = await api.gql(Q.consents, { first: 2, after: c1.pageInfo.endCursor }, me.auth);
    expect(page2.body.data!.consents.edges.map((e: { node: { policyVersion: string; granted: boolean } }) => [e.node.policyVersion, e.node.granted])).toEqual([
      ['2026-06', true],
      ['2026-01', true],
    ]);
    expect(page2.body.data!.consents.pageInfo.hasNextPage).toBe(false);

    // each decision audited, with who recorded it
    const audit = await api.gql(Q.auditLog, { target: me.id, actions: ['CONSENT_GRANTED', 'CONSENT_REVOKED'] }, admin.auth);
    expect(audit.body.data!.auditLog.totalCount).toBe(4);
    expect(audit.body.data!.auditLog.edges[0].node).toMatchObject({
      actorId: admin.id,
      actorRole: 'ADMIN',
      action: 'CONSENT_GRANTED',
      before: { purpose: 'VOICE_PROCESSING', granted: false, policyVersion: null },
      after: { purpose: 'VOICE_PROCESSING', granted: true, policyVersion: '2026-06', source: 'support' },
    });
  });

  it.each([
    [
      'a policy version with spaces',
      Q.grantConsent,
      { purpose: 'VOICE_TRAINING', policyVersion: 'the new one', source: 'web' },
      'INVALID_ARGUMENT',
      'policyVersion',
    ],
    ['no policy version to grant', Q.grantConsent, { purpose: 'VOICE_TRAINING', source: 'web' }, 'BAD_USER_INPUT', null],
    [
      'a source of free text',
      Q.grantConsent,
      { purpose: 'VOICE_TRAINING', policyVersion: 'v1', source: 'Anna at the front desk' },
      'INVALID_ARGUMENT',
      'source',
    ],
    ['an overlong source', Q.revokeConsent, { purpose: 'VOICE_TRAINING', source: 'x'.repeat(65) }, 'INVALID_ARGUMENT', 'source'],
    ['an unknown purpose', Q.grantConsent, { purpose: 'MARKETING', policyVersion: 'v1', source: 'web' }, 'BAD_USER_INPUT', null],
  ])('refuses %s with a typed error and writes nothing', async (_what, query, input, code, field) => {
    const before = await counts();
    const res = await api.gql(query, { i: input }, user.auth);
    const name = query === Q.grantConsent ? 'grantConsent' : 'revokeConsent';
    expect(outcome(res, name)).toBe(code);
    if (field) expect(res.body.data![name].userErrors[0].field).toBe(field);
    expect(await counts()).toEqual(before);
  });

  it('lets a USER decide only for themselves; an ADMIN for anyone, an unknown user is USER_NOT_FOUND', async () => {
    const before = await counts();
    expect(
      outcome(
        await api.gql(Q.grantConsent, { i: { userId: other.id, purpose: 'VOICE_TRAINING', policyVersion: 'v1', source: 'web' } }, user.auth),
        'grantConsent',
      ),
    ).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.consents, { u: other.id }, user.auth), 'consents')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.consents, {}, service.auth), 'consents')).toBe('FORBIDDEN');
    expect(
      outcome(
        await api.gql(Q.grantConsent, { i: { userId: randomUUID(), purpose: 'VOICE_TRAINING', policyVersion: 'v1', source: 'web' } }, admin.auth),
        'grantConsent',
      ),
    ).toBe('USER_NOT_FOUND');
    expect(outcome(await api.gql(Q.consents, {}), 'consents')).toBe('UNAUTHENTICATED');
    expect(await counts()).toEqual(before);
    expect((await api.gql(Q.consents, { u: other.id }, admin.auth)).body.data!.consents.totalCount).toBe(0);
  });
});

describe('exportMyData', () => {
  it('streams one JSON document with every section, the ledger complete, no secrets', async () => {
    const me = await api.account('USER');
    await enterprise(me);
    await api.gql(Q.grant, { i: { userId: me.id, seconds: 600, source: 'BONUS', idempotencyKey: 'seed' } }, admin.auth);
    for (let i = 0; i < 5; i++) await api.gql(Q.recordUsage, { i: { userId: me.id, seconds: 10, idempotencyKey: `u${i}` } }, service.auth);
    const key = await api.gql(Q.createApiKey, { i: { name: 'laptop' } }, me.auth);
    await api.gql(Q.grantConsent, { i: { purpose: 'VOICE_PROCESSING', policyVersion: 'v1', source: 'web' } }, me.auth);
    const link = await api.gql(Q.exportMyData, { i: {} }, me.auth);
    const { url, expiresAt } = link.body.data!.exportMyData;
    expect(url).toMatch(/^\/gdpr\/export\/[A-Za-z0-9_-]{43}$/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
    const doc = await download(api.url, url);
    expect(doc.status).toBe(200);
    expect(doc.contentType).toContain('application/json');
    const data = JSON.parse(doc.text);
    expect(Object.keys(data)).toEqual(['format', 'version', 'userId', 'exportedAt', ...EXPORT_SECTIONS, 'counts']);
    expect(data).toMatchObject({ format: 'voicepartnerai.personal-data-export', version: 1, userId: me.id });
    const [u] = await api.db.em().getConnection().execute<{ email: string }[]>('select email from users where id = ?', [me.id]);
    expect(data.profile).toMatchObject({ id: me.id, email: u!.email, role: 'USER', time_zone: 'Europe/Berlin' });
    expect(data.membership).toMatchObject({ plan_code: 'ENTERPRISE', status: 'ACTIVE' });
    expect(data.balance).toMatchObject({ balance_seconds: 550 });
    expect(data.ledger.map((e: { sequence: number; amount_seconds: number }) => [e.sequence, e.amount_seconds])).toEqual([
      [1, 600],
      [2, -10],
      [3, -10],
      [4, -10],
      [5, -10],
      [6, -10],
    ]);
    expect(data.usageRecords).toHaveLength(5);
    expect(data.grants).toHaveLength(1);
    expect(data.consents).toEqual([expect.objectContaining({ purpose: 'VOICE_PROCESSING', granted: true })]);
    expect(data.apiKeys).toEqual([expect.objectContaining({ id: key.body.data!.createApiKey.apiKey.id, name: 'laptop' })]);
    expect(data.apiKeys[0]).not.toHaveProperty('secret_hash');
    expect(doc.text).not.toContain(key.body.data!.createApiKey.secret.slice(20));
    expect(data.dataExports[0]).not.toHaveProperty('token_hash');
    expect(data.auditEntries.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['CREDITS_GRANTED', 'API_KEY_CREATED', 'CONSENT_GRANTED', 'DATA_EXPORT_REQUESTED']),
    );
    expect(data.counts).toMatchObject({ ledger: 6, usageRecords: 5, grants: 1, consents: 1, apiKeys: 1, dataExports: 1 });
    expect(data.stripeCustomer).toBeNull();
  });

  it('lets a USER export only themselves, never with an API key; unknown links are 404', async () => {
    const before = await counts();
    expect(outcome(await api.gql(Q.exportMyData, { i: { userId: other.id } }, user.auth), 'exportMyData')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.exportMyData, { i: {} }, service.auth), 'exportMyData')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.exportMyData, { i: {} }), 'exportMyData')).toBe('UNAUTHENTICATED');
    expect(outcome(await api.gql(Q.exportMyData, { i: { userId: 'nope' } }, admin.auth), 'exportMyData')).toBe('USER_NOT_FOUND');
    expect(outcome(await api.gql(Q.exportMyData, { i: { userId: randomUUID() } }, admin.auth), 'exportMyData')).toBe('USER_NOT_FOUND');
    expect(await counts()).toEqual(before);

    const keyed = await api.account('USER');
    await enterprise(keyed);
    const secret = (await api.gql(Q.createApiKey, { i: { name: 'k' } }, keyed.auth)).body.data!.createApiKey.secret;
    const before2 = await counts();
    expect(outcome(await api.gql(Q.exportMyData, { i: {} }, { apiKey: secret }), 'exportMyData')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.deletion, { i: {} }, { apiKey: secret }), 'requestAccountDeletion')).toBe('FORBIDDEN');
    expect(await counts()).toEqual(before2);

    for (const path of ['/gdpr/export/' + 'A'.repeat(43), '/gdpr/export/short', '/gdpr/export/..%2Fgraphql']) {
      expect((await download(api.url, path)).status).toBe(404);
    }
    // an expired link
    const link = (await api.gql(Q.exportMyData, { i: {} }, user.auth)).body.data!.exportMyData.url;
    await api.db.em().getConnection().execute(`update data_exports set expires_at = now() - interval '1 second' where user_id = ?`, [user.id]);
    expect((await download(api.url, link)).status).toBe(404);
  });
});

describe('requestAccountDeletion (no Stripe data)', () => {
  it('erases by a job; a USER may not ask for another account; asking again is the same request', async () => {
    const doomed = await api.account('USER');
    const before = await counts();
    expect(outcome(await api.gql(Q.deletion, { i: { userId: doomed.id } }, user.auth), 'requestAccountDeletion')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.deletion, { i: { userId: doomed.id } }, service.auth), 'requestAccountDeletion')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.deletion, { i: { userId: randomUUID() } }, admin.auth), 'requestAccountDeletion')).toBe('USER_NOT_FOUND');
    expect(await counts()).toEqual(before);

    const asked = await api.gql(Q.deletion, { i: { userId: doomed.id } }, admin.auth);
    expect(asked.body.data!.requestAccountDeletion).toMatchObject({ request: { userId: doomed.id }, userErrors: [] });
    await until('the erasure', async () => {
      const r = await api.gql(Q.deletion, { i: {} }, doomed.auth);
      return r.body.data!.requestAccountDeletion.request.status === 'COMPLETED' ? r : null;
    });
    const audit = await api.gql(Q.auditLog, { target: doomed.id }, admin.auth);
    expect(audit.body.data!.auditLog.edges.map((e: { node: { action: string; actorRole: string } }) => [e.node.action, e.node.actorRole])).toEqual([
      ['USER_ERASED', 'SYSTEM'],
      ['ACCOUNT_DELETION_REQUESTED', 'ADMIN'],
    ]);
  });
});

describe('auditLog', () => {
  it('records admin changes by hand with who, what, before and after — and no email', async () => {
    const email = `audited-${randomUUID()}@example.com`;
    const created = await api.gql(Q.createUser, { i: { email } }, admin.auth);
    const id = created.body.data!.createUser.user.id as string;
    await enterprise({ id, token: '', auth: {} });
    const key = await api.gql(Q.createApiKey, { i: { name: 'Front desk of Dr. Weber', userId: id } }, admin.auth);
    const keyId = key.body.data!.createApiKey.apiKey.id;
    await api.gql(Q.revokeApiKey, { i: { id: keyId } }, admin.auth);
    await api.gql(Q.revokeApiKey, { i: { id: keyId } }, admin.auth); // a second revocation changes nothing
    await api.gql(Q.setOverageLimit, { i: { userId: id, overageLimitCents: 1000 } }, admin.auth);
    const res = await api.gql(Q.auditLog, { target: id }, admin.auth);
    const nodes = res.body.data!.auditLog.edges.map((e: { node: unknown }) => e.node);
    expect(nodes).toEqual([
      expect.objectContaining({ action: 'OVERAGE_LIMIT_SET', actorId: admin.id, before: { overageLimitCents: null }, after: { overageLimitCents: 1000 } }),
      expect.objectContaining({ action: 'API_KEY_REVOKED', subjectId: keyId, before: { revokedAt: null } }),
      expect.objectContaining({
        action: 'API_KEY_CREATED',
        subjectId: keyId,
        after: { apiKeyId: keyId, prefix: key.body.data!.createApiKey.apiKey.prefix, role: 'USER' },
      }),
      expect.objectContaining({
        action: 'USER_CREATED',
        actorId: admin.id,
        actorRole: 'ADMIN',
        targetUserId: id,
        before: null,
        after: { userId: id, role: 'USER' },
      }),
    ]);
    expect(JSON.stringify(res.body)).not.toContain(email);
    expect(JSON.stringify(res.body)).not.toContain('Weber');
  });

  it('filters by actor, target, actions and time, and pages with cursors', async () => {
    const target = await api.account('USER');
    const t0 = new Date();
    for (let i = 0; i < 5; i++) await api.gql(Q.grant, { i: { userId: target.id, seconds: 60, source: 'BONUS', idempotencyKey: `g${i}` } }, admin.auth);
    await api.gql(Q.grantConsent, { i: { purpose: 'VOICE_TRAINING', policyVersion: 'v1', source: 'web' } }, target.auth);
    const t1 = new Date(Date.now() + 1000);
    const all = await api.gql(Q.auditLog, { target: target.id }, admin.auth);
    expect(all.body.data!.auditLog.totalCount).toBe(6);
    const byActor = await api.gql(Q.auditLog, { target: target.id, actor: target.id }, admin.auth);
    expect(byActor.body.data!.auditLog.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual(['CONSENT_GRANTED']);
    const grants = await api.gql(
      Q.auditLog,
      { target: target.id, actions: ['CREDITS_GRANTED'], from: t0.toISOString(), to: t1.toISOString(), first: 2 },
      admin.auth,
    );
    const g = grants.body.data!.auditLog;
    expect(g.totalCount).toBe(5);
    expect(g.edges).toHaveLength(2);
    const seen = g.edges.map((e: { node: { id: string } }) => e.node.id);
    let after = g.pageInfo.endCursor;
    while (after) {
      const next = await api.gql(Q.auditLog, { target: target.id, actions: ['CREDITS_GRANTED'], first: 2, after }, admin.auth);
      seen.push(...next.body.data!.auditLog.edges.map((e: { node: { id: string } }) => e.node.id));
      after = next.body.data!.auditLog.pageInfo.hasNextPage ? next.body.data!.auditLog.pageInfo.endCursor : null;
    }
    expect(seen).toHaveLength(5);
    expect([...seen].sort((a, b) => Number(b) - Number(a))).toEqual(seen);
    const none = await api.gql(Q.auditLog, { target: target.id, to: t0.toISOString() }, admin.auth);
    expect(none.body.data!.auditLog.totalCount).toBe(0);
  });

  it('is for ADMIN only; malformed filters are BAD_USER_INPUT', async () => {
    for (const who of [user, service]) expect(outcome(await api.gql(Q.auditLog, {}, who.auth), 'auditLog')).toBe('FORBIDDEN');
    expect(outcome(await api.gql(Q.auditLog, {}), 'auditLog')).toBe('UNAUTHENTICATED');
    expect(outcome(await api.gql(Q.auditLog, { target: 'nope' }, admin.auth), 'auditLog')).toBe('BAD_USER_INPUT');
    expect(outcome(await api.gql(Q.auditLog, { after: 'bm90LWEtY3Vyc29y' }, admin.auth), 'auditLog')).toBe('BAD_USER_INPUT');
    expect(outcome(await api.gql(Q.auditLog, { actions: ['NOT_AN_ACTION'] }, admin.auth), 'auditLog')).toBe('BAD_USER_INPUT');
  });
});

describe('verifyLedger', () => {
  async function tamper(userId: string, sequence: number): Promise<void> {
    // a superuser with the append-only trigger switched off
    await api.db.em().getConnection().execute(`
      begin;
      alter table ledger_entries disable trigger ledger_entries_no_update_delete;
      update ledger_entries set amount_seconds = amount_seconds - 1 where user_id = '${userId}' and sequence = ${sequence};
      alter table ledger_entries enable trigger ledger_entries_no_update_delete;
      commit;`);
  }

  it('reports a ledger row changed behind the trigger, with the first bad sequence and the broken invariants', async () => {
    const victim = await api.account('USER');
    await api.gql(Q.grant, { i: { userId: victim.id, seconds: 600, source: 'BONUS', idempotencyKey: 'seed' } }, admin.auth);
    for (let i = 0; i < 4; i++) await api.gql(Q.recordUsage, { i: { userId: victim.id, seconds: 10, idempotencyKey: `u${i}` } }, service.auth);
    const clean = await api.gql(Q.verify, { u: victim.id }, admin.auth);
    expect(clean.body.data!.verifyLedger).toEqual({
      userId: victim.id,
      ok: true,
      balanceSeconds: 560,
      entriesChecked: 5,
      firstBadSequence: null,
      firstBadInvariants: [],
      problems: [],
    });
    await tamper(victim.id, 3);
    const bad = (await api.gql(Q.verify, { u: victim.id }, admin.auth)).body.data!.verifyLedger;
    expect(bad).toMatchObject({ ok: false, firstBadSequence: 3, firstBadInvariants: [2, 7], entriesChecked: 5 });
    expect(bad.problems).toEqual(
      expect.arrayContaining([{ invariant: 7, sequence: 3, message: 'hash does not match the chain' }, expect.objectContaining({ invariant: 2, sequence: 3 })]),
    );
  });

  it('is for ADMIN only; an unknown user answers null, a malformed id BAD_USER_INPUT', async () => {
    for (const who of [user, service]) expect(outcome(await api.gql(Q.verify, { u: who.id }, who.auth), 'verifyLedger')).toBe('FORBIDDEN');
    expect((await api.gql(Q.verify, { u: randomUUID() }, admin.auth)).body.data!.verifyLedger).toBeNull();
    expect(outcome(await api.gql(Q.verify, { u: 'x' }, admin.auth), 'verifyLedger')).toBe('BAD_USER_INPUT');
  });
});
