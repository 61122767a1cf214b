// The lifecycle simulator: drives the real service and the fake Stripe on one shared clock through
// seeded months of a customer base, feeds the same happenings to the reference model, and after
// every simulated month compares what the service and Stripe hold with what the model says.
import { CustomerModel, DAY_MS, PLANS, type PlanCode } from './model';
import { customerIntents, HOUR_MS, MONTH_MS, type Intent, type Renewal, type TimedIntent } from './scenario';
import { startWorld, type World } from './world';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** 2027-01-04 00:00 UTC: a fixed start, so a seed replays the same dates. */
export const SIM_START_MS = Date.UTC(2027, 0, 4);

export interface Mismatch {
  customer: number;
  at: string;
  what: string;
  expected: unknown;
  actual: unknown;
}

export interface SimResult {
  seed: number;
  customerMonths: number;
  events: number;
  mismatches: number;
  customerMonthsPerSecond: number;
  details: Mismatch[];
  /** Customers with at least one mismatch, for shrinking. */
  failingCustomers: number[];
}

export interface SimOptions {
  seed: number;
  customers: number;
  months: number;
  /** Only these customers of the seed (replaying a trace). */
  only?: number[];
  /** Per customer: only these indexes of its intents (a shrunk trace). */
  keep?: Map<number, number[]>;
  log?: (line: string) => void;
}

interface Customer {
  n: number;
  userId: string;
  token: string;
  model: CustomerModel;
  /** checkout ref → subscription id */
  subs: Map<number, string>;
  customerId: string | null;
  /** The subscription the membership follows now. */
  subId: string | null;
  /** A boundary whose first event has not been delivered yet: the customer waits (see README). */
  awaitingFirstEvent: boolean;
  cancelAtPeriodEnd: boolean;
  downgradeScheduled: boolean;
  erased: boolean;
  /** Recorded usages: the service's transaction id, the model's usage number. */
  usages: string[];
  seq: number;
}

/** Something to do at a step: a customer's intent, or delivering one of Stripe's events. */
interface Action {
  at: number;
  customer: number;
  order: number;
  run(): Promise<void>;
}

const Q = {
  checkout: 'mutation($i: CreateCheckoutSessionInput!) { createCheckoutSession(input: $i) { sessionId userErrors { code } } }',
  topUp: 'mutation($i: CreateTopUpCheckoutSessionInput!) { createTopUpCheckoutSession(input: $i) { sessionId userErrors { code } } }',
  usage: 'mutation($i: RecordUsageInput!) { recordUsage(input: $i) { overageSeconds transaction { id } userErrors { code } } }',
  refund: 'mutation($i: RefundUsageInput!) { refundUsage(input: $i) { userErrors { code } } }',
  changePlan: 'mutation($i: ChangePlanInput!) { changePlan(input: $i) { userErrors { code } } }',
  erase: 'mutation($i: RequestAccountDeletionInput!) { requestAccountDeletion(input: $i) { userErrors { code } } }',
  reserve: 'mutation($i: ReserveCreditsInput!) { reserveCredits(input: $i) { reservation { id } userErrors { code } } }',
  extend: 'mutation($i: ExtendReservationInput!) { extendReservation(input: $i) { reservation { id } userErrors { code } } }',
  commit: 'mutation($i: CommitReservationInput!) { commitReservation(input: $i) { overageSeconds userErrors { code } } }',
  release: 'mutation($i: ReleaseReservationInput!) { releaseReservation(input: $i) { userErrors { code } } }',
  grant: 'mutation($i: GrantCreditsInput!) { grantCredits(input: $i) { userErrors { code } } }',
  adjust: 'mutation($i: AdjustCreditsInput!) { adjustCredits(input: $i) { userErrors { code } } }',
  limit: 'mutation($i: SetOverageLimitInput!) { setOverageLimit(input: $i) { userErrors { code } } }',
  cancel: 'mutation($i: CancelMembershipInput!) { cancelMembership(input: $i) { userErrors { code } } }',
  balance: 'query($u: ID) { balance(userId: $u) { balanceSeconds } }',
  verify: 'query($u: ID!) { verifyLedger(userId: $u) { ok problems { invariant } } }',
};

const payloadOf = (
  r: { data?: Obj; errors?: { message: string; extensions?: { code?: string } }[] },
  field: string,
): { ok: boolean; code: string; value: Obj | null } => {
  if (r.errors?.length) return { ok: false, code: r.errors[0]!.extensions?.code ?? r.errors[0]!.message, value: null };
  const p = r.data?.[field] as Obj | undefined;
  const code = p?.userErrors?.[0]?.code as string | undefined;
  return { ok: !code, code: code ?? 'OK', value: p ?? null };
};

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
let simEventN = 0;
/** An event the fake does not make itself (cancellations, the past_due update), shaped like its own. */
function simEvent(type: string, object: Obj, createdMs: number): Obj {
  simEventN += 1;
  return {
    id: `evt_sim${Date.now().toString(36)}${String(simEventN).padStart(6, '0')}`,
    object: 'event',
    type,
    api_version: '2026-10-28.endive',
    created: Math.floor(createdMs / 1000),
    livemode: false,
    data: { object: clone(object) },
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
  };
}

export async function simulate(opts: SimOptions): Promise<SimResult> {
  const log = opts.log ?? (() => undefined);
  const trace = process.env.SIM_TRACE === '1';
  const started = Date.now();
  const world = await startWorld(SIM_START_MS);
  const mismatches: Mismatch[] = [];
  let events = 0;
  try {
    const ids = opts.only ?? Array.from({ length: opts.customers }, (_, i) => i);
    const customers = new Map<number, Customer>();
    const actions: Action[] = [];
    let order = 0;
    const schedule = (at: number, customer: number, run: () => Promise<void>) => actions.push({ at, customer, order: order++, run });
    const iso = (t: number) => new Date(t).toISOString();
    const mismatch = (c: Customer, what: string, expected: unknown, actual: unknown) => {
      mismatches.push({ customer: c.n, at: iso(world.now()), what, expected, actual });
      log(`MISMATCH customer ${c.n} at ${iso(world.now())}: ${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    };
    const compareOutcome = (c: Customer, what: string, expected: boolean, got: { ok: boolean; code: string }) => {
      if (expected !== got.ok) mismatch(c, what, expected ? 'OK' : 'refused', got.code);
    };

    for (const n of ids) {
      const r = await world.gql(
        'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } userErrors { code } } }',
        { i: { email: `sim-${n}-${world.prefix}@example.com` } },
        world.adminToken,
      );
      const userId = r.data?.createUser.user?.id as string;
      if (!userId) throw new Error(`createUser failed: ${JSON.stringify(r)}`);
      const c: Customer = {
        n,
        userId,
        token: await world.tokenFor(userId),
        model: new CustomerModel(),
        subs: new Map(),
        customerId: null,
        subId: null,
        awaitingFirstEvent: false,
        cancelAtPeriodEnd: false,
        downgradeScheduled: false,
        erased: false,
        usages: [],
        seq: 0,
      };
      customers.set(n, c);
      const all = customerIntents(opts.seed, n, opts.months);
      const keep = opts.keep?.get(n);
      all.forEach((ti, i) => {
        if (keep && !keep.includes(i)) return;
        schedule(SIM_START_MS + ti.at, n, () => runIntent(c, ti));
      });
    }

    const serviceBalance = async (c: Customer) => (await world.gql(Q.balance, { u: c.userId }, world.adminToken)).data?.balance.balanceSeconds;
    const key = (c: Customer, what: string) => `sim-${c.n}-${what}-${++c.seq}`;

    /** Delivers one of Stripe's events; `effect` tells the model what it means, on its first delivery only. */
    /** Delivers `e` at `at` — unless `skip` says by then that Stripe would not send it. */
    const deliverAt = (at: number, c: Customer, e: Obj, effect?: () => void, skip?: () => boolean) => {
      schedule(at, c.n, async () => {
        if (skip?.()) return;
        events += 1;
        const status = await world.fake.deliver(e);
        if (status !== 200) mismatch(c, `webhook ${e.type} answered`, 200, status);
        await world.inboxDrained();
        effect?.();
        if (trace)
          log(
            `  c${c.n} ${iso(world.now())} delivered ${e.type} ${e.id}${effect ? '' : ' (again)'} → service ${await serviceBalance(c)} model balance ${c.model.balance()} status ${c.model.status}`,
          );
      });
    };
    const takeOutbox = (pred: (e: Obj) => boolean): Obj[] => {
      const mine = world.fake.outbox.filter(pred);
      world.fake.outbox.splice(0, world.fake.outbox.length, ...world.fake.outbox.filter((e) => !pred(e)));
      return mine;
    };
    const deliverNow = async (c: Customer, list: Obj[]) => {
      for (const e of list) {
        events += 1;
        const status = await world.fake.deliver(e);
        if (status !== 200) mismatch(c, `webhook ${e.type} answered`, 200, status);
        await world.inboxDrained();
      }
    };

    const startCheckout = async (c: Customer, plan: PlanCode): Promise<{ ok: boolean; code: string; sessionId?: string }> => {
      const r = payloadOf(
        await world.gql(Q.checkout, { i: { plan, successUrl: 'https://app.example/ok', cancelUrl: 'https://app.example/no' } }, c.token),
        'createCheckoutSession',
      );
      return { ...r, sessionId: r.value?.sessionId as string | undefined };
    };
    const completeSubscriptionCheckout = async (c: Customer, sessionId: string): Promise<string> => {
      const evs = await world.fake.completeCheckout(sessionId, new Date(world.now()));
      takeOutbox((e) => evs.some((x) => x.id === e.id));
      await deliverNow(c, evs);
      const sub = world.fake.sessions.get(sessionId)!.subscription as string;
      c.customerId = world.fake.sessions.get(sessionId)!.customer as string;
      return sub;
    };

    const usable = (c: Customer) => !c.awaitingFirstEvent;

    /** What each kind of intent does, to the service and to the model. */
    const KINDS: { [K in Intent['kind']]: (c: Customer, i: Extract<Intent, { kind: K }>) => Promise<void> } = {
      checkout: async (c, i) => {
        if (c.model.status !== 'NONE' && c.model.status !== 'CANCELED') return; // a second one is its own kind
        const s = await startCheckout(c, i.plan);
        compareOutcome(c, `createCheckoutSession(${i.plan})`, true, s);
        if (!s.sessionId) return;
        // two tabs: a second session opened before either completed (nothing live yet, so not refused)
        const tab = i.secondTab ? await startCheckout(c, i.secondTab) : null;
        if (tab) compareOutcome(c, `createCheckoutSession(${i.secondTab}) in a second tab`, true, tab);
        const sub = await completeSubscriptionCheckout(c, s.sessionId);
        c.subs.set(i.ref, sub);
        c.subId = sub;
        c.cancelAtPeriodEnd = false;
        const t = world.now();
        c.model.subscriptionStarted(i.plan, t, t + 30 * DAY_MS, t);
        if (tab?.sessionId) {
          // Stripe completes the second tab too: the newer subscription is cancelled at once, its
          // payment refunded, nothing granted for it (the model changes nothing)
          const second = await completeSubscriptionCheckout(c, tab.sessionId);
          await world.fake.settled();
          const paid = [...world.fake.invoices.values()].filter((inv) => inv.parent?.subscription_details?.subscription === second && inv.status === 'paid');
          const charged = paid.reduce((a, inv) => a + Number(inv.amount_paid ?? 0), 0);
          const intents = new Set(paid.flatMap((inv) => (inv.payments?.data ?? []).map((p: Obj) => p.payment?.payment_intent)));
          const refunded = [...world.fake.refunds.values()].filter((r) => intents.has(r.payment_intent)).reduce((a, r) => a + Number(r.amount), 0);
          if (trace)
            log(`  c${c.n} second tab: subscription ${second} charged ${charged} c, refunded ${refunded} c, ${world.fake.subscriptions.get(second)?.status}`);
          if (charged === 0 || refunded !== charged) mismatch(c, 'second subscription charged, then refunded in full (cents)', charged || 'a charge', refunded);
          const status = world.fake.subscriptions.get(second)?.status;
          if (status !== 'canceled') mismatch(c, 'second subscription cancelled at Stripe', 'canceled', status);
        }
      },
      secondCheckout: async (c, i) => {
        if (c.model.status !== 'ACTIVE' && c.model.status !== 'PAST_DUE') return;
        const s = await startCheckout(c, i.plan);
        compareOutcome(c, `a second createCheckoutSession(${i.plan}) while ${c.model.status}`, false, s);
        // two tabs: Stripe completes what it was given; the rules say the newer one is cancelled and nothing granted
        if (s.sessionId) await completeSubscriptionCheckout(c, s.sessionId);
      },
      boundary: async (c, i) => boundary(c, i.checkout, i.renewal),
      usage: async (c, i) => {
        if (!usable(c)) return;
        const r = payloadOf(
          await world.gql(Q.usage, { i: { userId: c.userId, seconds: i.seconds, idempotencyKey: key(c, 'usage') } }, world.adminToken),
          'recordUsage',
        );
        const expected = c.model.recordUsage(i.seconds, world.now(), r.ok ? c.usages.length : undefined).ok;
        compareOutcome(c, `recordUsage(${i.seconds})`, expected, r);
        if (r.ok && expected) c.usages.push(r.value?.transaction?.id as string);
      },
      hold: async (c, i) => {
        if (!usable(c)) return;
        const t = world.now();
        const holdKey = key(c, 'hold');
        const r = payloadOf(
          await world.gql(Q.reserve, { i: { userId: c.userId, seconds: i.seconds, ttlSeconds: i.ttlSeconds, idempotencyKey: holdKey } }, world.adminToken),
          'reserveCredits',
        );
        compareOutcome(c, `reserveCredits(${i.seconds})`, c.model.reserve(holdKey, i.seconds, i.ttlSeconds, t).ok, r);
        const id = r.value?.reservation?.id as string | undefined;
        if (!id || !r.ok) return;
        if (i.then === 'extend-commit') {
          const e = payloadOf(
            await world.gql(
              Q.extend,
              { i: { reservationId: id, seconds: i.extendSeconds, ttlSeconds: i.ttlSeconds, idempotencyKey: key(c, 'extend') } },
              world.adminToken,
            ),
            'extendReservation',
          );
          compareOutcome(c, `extendReservation(${i.extendSeconds})`, c.model.extend(holdKey, i.extendSeconds, i.ttlSeconds, t).ok, e);
        }
        if (i.then === 'commit' || i.then === 'extend-commit') {
          const m = payloadOf(await world.gql(Q.commit, { i: { reservationId: id, usedSeconds: i.usedSeconds } }, world.adminToken), 'commitReservation');
          compareOutcome(c, `commitReservation(${i.usedSeconds})`, c.model.commit(holdKey, i.usedSeconds, t).ok, m);
        } else if (i.then === 'release') {
          const m = payloadOf(await world.gql(Q.release, { i: { reservationId: id } }, world.adminToken), 'releaseReservation');
          compareOutcome(c, 'releaseReservation', c.model.release(holdKey).ok, m);
        }
        // 'expire': left to its TTL; the sweep must expire it by the next step
      },
      topUp: async (c, i) => {
        if (c.model.status !== 'ACTIVE' && c.model.status !== 'PAST_DUE') return;
        const r = payloadOf(
          await world.gql(Q.topUp, { i: { minutes: i.minutes, successUrl: 'https://app.example/ok', cancelUrl: 'https://app.example/no' } }, c.token),
          'createTopUpCheckoutSession',
        );
        compareOutcome(c, `createTopUpCheckoutSession(${i.minutes})`, true, r);
        const sessionId = r.value?.sessionId as string | undefined;
        if (!sessionId) return;
        const evs = await world.fake.completeCheckout(sessionId, new Date(world.now()));
        takeOutbox((e) => evs.some((x) => x.id === e.id));
        if (i.delayedH === null) {
          await deliverNow(c, evs);
          c.model.topUpPaid(i.minutes * 60, world.now());
          return;
        }
        // a delayed method: completed but unpaid now, paid hours later
        const session = world.fake.sessions.get(sessionId)!;
        const unpaid = clone(evs[0]!);
        unpaid.data.object.payment_status = 'unpaid';
        await deliverNow(c, [unpaid]);
        const succeeded = simEvent('checkout.session.async_payment_succeeded', session, world.now() + i.delayedH * HOUR_MS);
        deliverAt(world.now() + i.delayedH * HOUR_MS, c, succeeded, () => c.model.topUpPaid(i.minutes * 60, world.now()));
      },
      refund: async (c, i) => {
        if (!c.usages.length) return;
        const n = c.usages.length - 1 - Math.floor(i.back * c.usages.length);
        const paid = (c.model.lineage.get(n) ?? []).reduce((s, a) => s + a.seconds, 0);
        const seconds = Math.max(1, Math.floor(i.fraction * paid));
        const r = payloadOf(
          await world.gql(Q.refund, { i: { transactionId: c.usages[n], seconds, idempotencyKey: key(c, 'refund') } }, world.adminToken),
          'refundUsage',
        );
        compareOutcome(c, `refundUsage(${seconds} of usage ${n})`, c.model.refund(n, seconds, world.now()).ok, r);
      },
      changePlan: async (c, i) => {
        if (c.model.status !== 'ACTIVE' || c.cancelAtPeriodEnd || c.downgradeScheduled || !c.subId || !c.model.plan) return;
        const order: PlanCode[] = ['STARTER', 'BUSINESS', 'ENTERPRISE'];
        const to = order[order.indexOf(c.model.plan) + (i.up ? 1 : -1)];
        if (!to) return;
        const r = payloadOf(await world.gql(Q.changePlan, { i: { plan: to, idempotencyKey: key(c, 'plan') } }, c.token), 'changePlan');
        compareOutcome(c, `changePlan(${c.model.plan} → ${to})`, true, r);
        if (!r.ok) return;
        if (!i.up) {
          c.downgradeScheduled = true; // applies at the period end: the renewal carries the smaller plan
          return;
        }
        // Stripe applies it now and invoices the proration: subscription updated, proration invoice paid
        await world.fake.settled();
        const subId = c.subId;
        const evs = takeOutbox((e) => e.data.object.id === subId || e.data.object.parent?.subscription_details?.subscription === subId);
        const t = world.now();
        await deliverNow(c, evs);
        // the change happened when Stripe applied it: its proration lines start then, in whole seconds
        const paid = evs.find((e) => e.type === 'invoice.paid');
        const prorated = paid?.data.object.lines?.data?.find((l: Obj) => l.amount > 0)?.period?.start as number | undefined;
        if (paid) c.model.upgraded(to, prorated !== undefined ? prorated * 1000 : t);
      },
      erase: async (c) => {
        const r = payloadOf(await world.gql(Q.erase, { i: {} }, c.token), 'requestAccountDeletion');
        compareOutcome(c, 'requestAccountDeletion', true, r);
        if (!r.ok) return;
        c.erased = true;
        const done = await world.erased(c.userId);
        if (!done) mismatch(c, 'erasure completed', 'COMPLETED', 'PENDING');
        c.model.endedNow(world.now(), false);
        c.subId = null;
      },
      bonus: async (c, i) => {
        const t = world.now();
        const expiresAt = i.expiresInDays === null ? null : t + i.expiresInDays * DAY_MS;
        const r = payloadOf(
          await world.gql(
            Q.grant,
            {
              i: {
                userId: c.userId,
                seconds: i.seconds,
                source: 'BONUS',
                idempotencyKey: key(c, 'bonus'),
                expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
              },
            },
            world.adminToken,
          ),
          'grantCredits',
        );
        compareOutcome(c, `grantCredits(BONUS ${i.seconds})`, true, r);
        if (r.ok) c.model.grantBonus(i.seconds, expiresAt, t);
      },
      adjust: async (c, i) => {
        const t = world.now();
        const r = payloadOf(
          await world.gql(
            Q.adjust,
            { i: { userId: c.userId, seconds: i.seconds, reason: 'simulated correction', idempotencyKey: key(c, 'adjust') } },
            world.adminToken,
          ),
          'adjustCredits',
        );
        compareOutcome(c, `adjustCredits(${i.seconds})`, c.model.adjust(i.seconds, t).ok, r);
      },
      overageLimit: async (c, i) => {
        if (c.model.status !== 'ACTIVE' && c.model.status !== 'PAST_DUE') return;
        const r = payloadOf(await world.gql(Q.limit, { i: { overageLimitCents: i.cents } }, c.token), 'setOverageLimit');
        compareOutcome(c, `setOverageLimit(${i.cents})`, true, r);
        if (r.ok) c.model.setOverageLimit(i.cents);
      },
      cancelAtPeriodEnd: async (c) => {
        if (c.model.status !== 'ACTIVE' || c.cancelAtPeriodEnd || !c.subId) return;
        const r = payloadOf(await world.gql(Q.cancel, { i: { atPeriodEnd: true } }, c.token), 'cancelMembership');
        compareOutcome(c, 'cancelMembership(atPeriodEnd)', true, r);
        if (!r.ok) return;
        c.cancelAtPeriodEnd = true;
        // Stripe tells of it too
        await deliverNow(c, [simEvent('customer.subscription.updated', world.fake.subscriptions.get(c.subId)!, world.now())]);
      },
      cancelNow: async (c) => {
        if ((c.model.status !== 'ACTIVE' && c.model.status !== 'PAST_DUE') || !c.subId) return;
        const r = payloadOf(await world.gql(Q.cancel, { i: { atPeriodEnd: false } }, c.token), 'cancelMembership');
        compareOutcome(c, 'cancelMembership(now)', true, r);
        if (!r.ok) return;
        const sub = world.fake.subscriptions.get(c.subId)!;
        await deliverNow(c, [simEvent('customer.subscription.deleted', sub, world.now())]);
        c.model.endedNow(world.now(), false);
        c.subId = null;
      },
      portalCancel: async (c) => {
        if ((c.model.status !== 'ACTIVE' && c.model.status !== 'PAST_DUE') || !c.subId) return;
        // the customer cancels in Stripe's billing portal: the service hears of it only by webhook
        const sub = world.fake.subscriptions.get(c.subId)!;
        sub.status = 'canceled';
        await deliverNow(c, [simEvent('customer.subscription.deleted', sub, world.now())]);
        c.model.endedNow(world.now(), false);
        c.subId = null;
      },
    };

    /** Stripe's renewal timeline at a period boundary (STACK.md "Traps of the next wave"). */
    const boundary = async (c: Customer, ref: number, rn: Renewal) => {
      const subId = c.subs.get(ref);
      if (!subId || subId !== c.subId) return;
      const sub = world.fake.subscriptions.get(subId);
      if (!sub || sub.status === 'canceled') return;
      const T = world.now();
      const H = (h: number) => T + h * HOUR_MS;
      if (sub.cancel_at_period_end) {
        const evs = await world.fake.endSubscription(subId);
        takeOutbox((e) => evs.some((x) => x.id === e.id));
        c.awaitingFirstEvent = true;
        deliverAt(H(rn.updatedH), c, evs[0]!, () => {
          c.awaitingFirstEvent = false;
          c.model.endedAtPeriodEnd(world.now());
          c.subId = null;
        });
        return;
      }
      c.downgradeScheduled = false; // a scheduled downgrade starts with this renewal
      const evs = await world.fake.renew(subId, { fail: rn.fail !== null });
      takeOutbox((e) => evs.some((x) => x.id === e.id));
      const [updated, created, outcome] = evs as [Obj, Obj, Obj];
      const item = sub.items.data[0];
      const start = item.current_period_start * 1000;
      const end = item.current_period_end * 1000;
      const plan = planOf(item.price.id);
      const invoiceId = outcome.data.object.id as string;
      // the period moves while the subscription is still active; it goes past_due when the payment fails
      if (rn.fail) {
        sub.status = 'active';
        updated.data.object.status = 'active';
      }
      const invoice = world.fake.invoices.get(invoiceId)!;
      invoice.status = 'draft';
      let opened = false;
      const open = () => {
        if (opened) return;
        opened = true;
        c.awaitingFirstEvent = false;
        c.model.renewalOpened(plan, start, end, world.now());
      };
      c.awaitingFirstEvent = true;
      const when = [H(rn.updatedH), H(rn.createdH)];
      deliverAt(when[0]!, c, updated, open);
      // the draft renewal invoice opens the period too when it comes first (billing rules §5: its
      // included seconds are granted by whichever of the period move and the draft arrives first)
      deliverAt(when[1]!, c, created, () => {
        open();
        c.model.renewalInvoiceCreated(start);
      });
      // Stripe finalizes about an hour after invoice.created was answered, then attempts the payment
      when.push(when[1]! + HOUR_MS + rn.paidH * HOUR_MS);
      // a subscription cancelled before then is not charged again: no payment attempt, no retries
      // (Stripe stops collecting a cancelled subscription's invoices)
      let attempted = false;
      schedule(when[2]!, c.n, async () => {
        if (sub.status === 'canceled') return;
        attempted = true;
        invoice.status = rn.fail ? 'open' : 'paid';
        if (rn.fail) sub.status = 'past_due';
      });
      const notAttempted = () => !attempted;
      deliverAt(
        when[2]!,
        c,
        outcome,
        () => {
          open();
          if (rn.fail) c.model.paymentFailed();
        },
        notAttempted,
      );
      if (rn.fail) {
        const failedAt = when[2]!;
        schedule(failedAt, c.n, async () => {
          if (!attempted) return;
          await deliverNow(c, [simEvent('customer.subscription.updated', sub, world.now())]);
        });
        const later = failedAt + rn.fail.afterH * HOUR_MS;
        if (rn.fail.recover) {
          schedule(later, c.n, async () => {
            if (sub.status !== 'past_due') return;
            const paid = await world.fake.payInvoice(invoiceId);
            takeOutbox((e) => paid.some((x) => x.id === e.id));
            await deliverNow(c, paid);
            c.model.paymentRecovered();
          });
        } else {
          schedule(later, c.n, async () => {
            if (sub.status !== 'past_due') return;
            // Smart Retries gave up: Stripe cancels the subscription
            sub.status = 'canceled';
            await deliverNow(c, [simEvent('customer.subscription.deleted', sub, world.now())]);
            c.model.endedNow(world.now(), true);
            if (c.subId === subId) c.subId = null;
          });
        }
      }
      if (rn.duplicate) {
        const e = [updated, created, outcome][rn.duplicate.which]!;
        deliverAt(when[rn.duplicate.which]! + rn.duplicate.afterH * HOUR_MS, c, e, undefined, rn.duplicate.which === 2 ? notAttempted : undefined);
      }
    };

    const runIntent = async (c: Customer, ti: TimedIntent) => {
      if (c.erased) return; // an erased customer does nothing more
      const run = KINDS[ti.intent.kind] as (c: Customer, i: Intent) => Promise<void>;
      events += 1;
      await run(c, ti.intent);
      if (trace)
        log(
          `  c${c.n} ${iso(world.now())} ${JSON.stringify(ti.intent)} → service ${await serviceBalance(c)} model balance ${c.model.balance()} status ${c.model.status} period overage ${c.model.period?.overageSeconds ?? '-'}`,
        );
    };

    // the main loop: step to the next time something happens; checks at every month's end
    const horizon = SIM_START_MS + opts.months * MONTH_MS;
    let nextCheck = SIM_START_MS + MONTH_MS;
    for (;;) {
      actions.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = actions[0];
      const stepAt = next && next.at < horizon ? Math.min(next.at, nextCheck) : Math.min(nextCheck, horizon);
      if (stepAt > world.now()) {
        await world.advance(stepAt);
        const left = await world.quiesce();
        if (left.length) log(`not settled at ${iso(stepAt)}: ${left.join(', ')}`);
        for (const c of customers.values()) c.model.advance(stepAt);
      }
      if (next && next.at === stepAt && next.at < horizon) {
        // this step's actions: per customer in order; customers side by side, round by round
        const due = actions.filter((a) => a.at === stepAt);
        actions.splice(0, due.length);
        const byCustomer = new Map<number, Action[]>();
        for (const a of due) byCustomer.set(a.customer, [...(byCustomer.get(a.customer) ?? []), a]);
        // an action may schedule more at this same time: they run after, in the next pass
        await Promise.all(
          [...byCustomer.values()].map(async (list) => {
            for (const a of list) await a.run();
          }),
        );
        await world.inboxDrained();
        continue;
      }
      if (stepAt === nextCheck || stepAt >= horizon) {
        const left = await world.quiesce();
        if (left.length) log(`not settled before the check at ${iso(stepAt)}: ${left.join(', ')}`);
        await check(world, [...customers.values()], mismatch);
        log(`checked ${iso(stepAt)}: ${mismatches.length} mismatches so far, ${events} events`);
        if (stepAt >= horizon) break;
        nextCheck += MONTH_MS;
      }
    }
    const failing = [...new Set(mismatches.map((m) => m.customer))].sort((a, b) => a - b);
    const seconds = (Date.now() - started) / 1000;
    const customerMonths = ids.length * opts.months;
    return {
      seed: opts.seed,
      customerMonths,
      events,
      mismatches: mismatches.length,
      customerMonthsPerSecond: Math.round((customerMonths / seconds) * 100) / 100,
      details: mismatches,
      failingCustomers: failing,
    };
  } finally {
    await world.stop();
  }
}

function planOf(priceId: string): PlanCode {
  const p = ({ price_starter: 'STARTER', price_business: 'BUSINESS', price_enterprise: 'ENTERPRISE' } as Record<string, PlanCode>)[priceId];
  if (!p) throw new Error(`no plan for price ${priceId}`);
  return p;
}

/** The month's assertions: invoice items, balances, ledgers, subscriptions, inbox, holds. */
async function check(
  world: World,
  customers: Iterable<{ n: number; userId: string; customerId: string | null; model: CustomerModel }>,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  mismatch: (c: any, what: string, e: unknown, a: unknown) => void,
): Promise<void> {
  const live = ['active', 'past_due', 'trialing', 'incomplete', 'unpaid'];
  const inbox = Number(
    (await world.pg.query<{ n: string }>(`select count(*) as n from webhook_events where status not in ('PROCESSED', 'IGNORED')`)).rows[0]!.n,
  );
  const holds = Number(
    (await world.pg.query<{ n: string }>(`select count(*) as n from reservations where status = 'ACTIVE' and expires_at <= $1`, [new Date(world.now())]))
      .rows[0]!.n,
  );
  let first = true;
  for (const c of customers) {
    if (first && inbox) mismatch(c, 'webhook inbox fully processed (all customers)', 0, inbox);
    if (first && holds) mismatch(c, 'holds ACTIVE past their TTL (all customers)', 0, holds);
    first = false;
    // invoice items at Stripe: each expected one exactly once, to the cent, nothing else
    const items = c.customerId ? [...world.fake.invoiceItems.values()].filter((i) => i.customer === c.customerId) : [];
    const got = items.map((i) => `${i.amount}c/${i.metadata?.overageSeconds ?? '?'}s`).sort();
    const want = c.model.items.map((i) => `${i.amountCents}c/${i.overageSeconds}s`).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) mismatch(c, 'invoice items at Stripe', want, got);
    const b = await world.gql<{ balance: { balanceSeconds: number } }>(Q.balance, { u: c.userId }, world.adminToken);
    const balance = b.data?.balance.balanceSeconds;
    if (balance !== c.model.balance()) mismatch(c, 'balanceSeconds', c.model.balance(), balance ?? b.errors);
    const sum = Number(
      (await world.pg.query<{ s: string }>('select coalesce(sum(amount_seconds), 0) as s from ledger_entries where user_id = $1', [c.userId])).rows[0]!.s,
    );
    if (sum !== balance) mismatch(c, 'Σ ledger = balance', balance, sum);
    const v = await world.gql<{ verifyLedger: { ok: boolean; problems: { invariant: number }[] } }>(Q.verify, { u: c.userId }, world.adminToken);
    if (!v.data?.verifyLedger?.ok) mismatch(c, 'verifyLedger ok', true, v.data?.verifyLedger ?? v.errors);
    const subs = c.customerId ? [...world.fake.subscriptions.values()].filter((s) => s.customer === c.customerId && live.includes(s.status)) : [];
    if (subs.length > 1) mismatch(c, 'live subscriptions at Stripe', '≤ 1', subs.length);
    const [m] = (await world.pg.query<{ status: string; plan_code: string }>('select status, plan_code from memberships where user_id = $1', [c.userId])).rows;
    const status = m ? (m.status === 'CANCELED' ? 'CANCELED' : m.status) : 'NONE';
    if (status !== c.model.status) mismatch(c, 'membership status', c.model.status, status);
    if (m && c.model.plan && m.plan_code !== c.model.plan) mismatch(c, 'membership plan', c.model.plan, m.plan_code);
  }
}

export { PLANS };
