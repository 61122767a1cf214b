// The scheduled ledger verification: a worker checks every user's books on its schedule; a row
// changed behind the append-only trigger shows up as drift on /metrics and in the audit log, and is
// left as it is.
import { startTestApi, type TestApi } from '../support/api';
import { until } from '../support/wait';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({ LEDGER_VERIFY_INTERVAL_MS: '1000' });
});
afterAll(async () => {
  await api.stop();
});

async function metric(name: string): Promise<number | null> {
  const text = await (await fetch(api.url.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : null;
}

it('reports a tampered ledger on /metrics and in the audit log, and repairs nothing', async () => {
  const admin = await api.account('ADMIN');
  const service = await api.account('SERVICE');
  const victim = await api.account('USER');
  await api.gql(
    'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
    { i: { userId: victim.id, seconds: 600, source: 'BONUS', idempotencyKey: 'seed' } },
    admin.auth,
  );
  await api.gql(
    'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { userErrors { code } } }',
    { i: { userId: victim.id, seconds: 60, idempotencyKey: 'u1' } },
    service.auth,
  );
  // a clean run first: every ledger verifies
  await until('a verification run', async () => ((await metric('vp_ledger_reconciliation_last_run_timestamp_seconds')) ?? 0) > 0);
  await until('no drift', async () => (await metric('vp_ledger_drift_users')) === 0);

  await api.db.em().getConnection().execute(`
    begin;
    alter table ledger_entries disable trigger ledger_entries_no_update_delete;
    update ledger_entries set amount_seconds = -59 where user_id = '${victim.id}' and sequence = 2;
    alter table ledger_entries enable trigger ledger_entries_no_update_delete;
    commit;`);
  await until('the drift on /metrics', async () => (await metric('vp_ledger_drift_users')) === 1);
  const audit = await api.db
    .em()
    .getConnection()
    .execute<{ action: string; target_user_id: string }[]>(`select action, target_user_id from audit_log where action like 'LEDGER%'`);
  expect(audit).toEqual([expect.objectContaining({ target_user_id: victim.id })]);
  const [row] = await api.db
    .em()
    .getConnection()
    .execute<{ amount_seconds: string }[]>(`select amount_seconds from ledger_entries where user_id = ? and sequence = 2`, [victim.id]);
  expect(row!.amount_seconds).toBe('-59'); // reported, never repaired
});
