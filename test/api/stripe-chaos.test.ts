// Webhook chaos: a lifecycle's events delivered three times each, shuffled and concurrently, over
// many random orderings, end in the same state as one ordered delivery.
import fc from 'fast-check';
import type { FakeStripe } from '../../src/dev/fake-stripe';
import type { Account, TestApi } from '../support/api';
import { startStripeApi } from '../support/stripe';

const SECRET = 'whsec_test_secret_chaos';
let fake: FakeStripe;
let api: TestApi;

beforeAll(async () => {
  ({ fake, api } = await startStripeApi(SECRET));
  fake.autoDeliver = false;
});
afterAll(async () => {
  await api.stop();
  await fake.close();
});

type Event = Record<string, unknown> & { id: string };

/** A user's lifecycle: checkout, first invoice paid, a renewal paid, a failed renewal, paid later. */
async function lifecycle(): Promise<{ who: Account; events: Event[] }> {
  const who = await api.account('USER');
  const started = await api.gql(
    'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId } }',
    { i: { plan: 'STARTER', successUrl: 'https://a.example/ok', cancelUrl: 'https://a.example/no' } },
    who.auth,
  );
  const sessionId = started.body.data!.createCheckoutSession.sessionId as string;
  fake.outbox.length = 0;
  await fake.completeCheckout(sessionId);
  const sub = fake.sessions.get(sessionId)!.subscription as string;
  await fake.renew(sub);
  const failed = await fake.renew(sub, { fail: true });
  await fake.payInvoice((failed[1]!.data as { object: { id: string } }).object.id);
  return { who, events: fake.outbox.splice(0) as Event[] };
}

async function endState(who: Account) {
  const conn = api.db.em().getConnection();
  const [m] = await conn.execute<Record<string, unknown>[]>(
    `select plan_code, status, current_period_start, current_period_end from memberships where user_id = ?`,
    [who.id],
  );
  const grants = await conn.execute<Record<string, unknown>[]>(
    `select source, granted_seconds, expires_at from credit_grants where user_id = ? order by expires_at`,
    [who.id],
  );
  const [b] = await conn.execute<{ balance_seconds: string }[]>('select balance_seconds from credit_balances where user_id = ?', [who.id]);
  return { membership: m, grants, balanceSeconds: Number(b!.balance_seconds) };
}

async function settled(ids: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await api.db
      .em()
      .getConnection()
      .execute<{ n: string }[]>(`select count(*) as n from webhook_events where id = any(?::text[]) and status = 'PROCESSED'`, [`{${ids.join(',')}}`]);
    if (Number(rows[0]!.n) === ids.length) return;
    if (Date.now() > deadline) throw new Error('events not processed in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const relative = (s: Awaited<ReturnType<typeof endState>>) => ({
  membership: { ...s.membership },
  grants: s.grants.map((g) => ({ source: g.source, granted_seconds: g.granted_seconds })),
  balanceSeconds: s.balanceSeconds,
});

describe('webhook chaos', () => {
  it('ends in the state of one ordered delivery, whatever the order and however often', async () => {
    const reference = await lifecycle();
    for (const e of reference.events) expect(await fake.deliver(e)).toBe(200);
    await settled(reference.events.map((e) => e.id));
    const expected = relative(await endState(reference.who));
    expect(expected.balanceSeconds).toBe(36_000);
    expect(expected.membership).toMatchObject({ status: 'ACTIVE', plan_code: 'STARTER' });

    await fc.assert(
      fc.asyncProperty(fc.infiniteStream(fc.nat()), async (noise) => {
        const run = await lifecycle();
        const copies = [...run.events, ...run.events, ...run.events];
        const order = copies
          .map((e) => ({ e, k: noise.next().value }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.e);
        // in bursts of concurrent deliveries
        for (let i = 0; i < order.length; i += 5) {
          const codes = await Promise.all(order.slice(i, i + 5).map((e) => fake.deliver(e)));
          expect(codes.every((c) => c === 200)).toBe(true);
        }
        await settled(run.events.map((e) => e.id));
        const got = relative(await endState(run.who));
        // periods are the same length from a different start: compare what does not depend on the clock
        expect({ ...got, membership: { plan_code: got.membership.plan_code, status: got.membership.status } }).toEqual({
          ...expected,
          membership: { plan_code: expected.membership.plan_code, status: expected.membership.status },
        });
        const lastEnd = new Date(String(got.membership.current_period_end)).getTime();
        const lastStart = new Date(String(got.membership.current_period_start)).getTime();
        expect(lastEnd - lastStart).toBe(30 * 86_400_000);
      }),
      { numRuns: Number(process.env.CHAOS_RUNS ?? 6) },
    );
  }, 120_000);
});
