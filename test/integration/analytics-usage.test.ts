// Usage buckets in the user's time zone across the Europe/Berlin DST changes (last Sunday of March
// and of October 2026), and the incremental rollup: exact under concurrent writers, never counting
// a record twice, never losing one that commits after a later one (out of id order).
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { refreshUsageRollups } from '../../src/domain/analytics/refresh-usage-rollups';
import { usageReport, type Granularity } from '../../src/domain/analytics/usage-report';
import { recordUsage } from '../../src/domain/ledger/record-usage';
import { ManualClock } from '../../src/shared/clock';
import { deps, newUserWithBonus, unwrap } from '../support/ledger-fixtures';
import { createTestDb, type TestDb } from '../support/test-db';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.close();
});

const analytics = () => ({ em: db.em(), clock: new ManualClock(new Date('2026-11-20T12:00:00Z')), cogsCentsPerMinute: 14 });
const iso = (s: string) => new Date(s);

async function usageAt(clock: ManualClock, userId: string, at: string, seconds: number) {
  clock.set(iso(at));
  unwrap(await recordUsage(deps(db.em(), clock), { userId, seconds, idempotencyKey: `u-${randomUUID()}` }));
}

async function report(userId: string, granularity: Granularity, from: string, to: string) {
  return unwrap(await usageReport(analytics(), { userId, granularity, from: iso(from), to: iso(to) }));
}

const slim = (b: { localDate: string; startAt: Date; endAt: Date; calls: number; usedSeconds: number }) => ({
  localDate: b.localDate,
  startAt: b.startAt.toISOString(),
  endAt: b.endAt.toISOString(),
  calls: b.calls,
  usedSeconds: b.usedSeconds,
  hours: (b.endAt.getTime() - b.startAt.getTime()) / 3_600_000,
});

describe('usage buckets in Europe/Berlin across daylight-saving changes', () => {
  let userId: string;
  beforeAll(async () => {
    const clock = new ManualClock(iso('2026-03-20T00:00:00Z'));
    userId = await newUserWithBonus(db.em(), clock, 1_000_000);
    // 29 March 2026, 02:00 CET → 03:00 CEST: the local day has 23 hours
    await usageAt(clock, userId, '2026-03-28T22:30:00Z', 60); // Sat 23:30 CET → 28 March
    await usageAt(clock, userId, '2026-03-28T23:30:00Z', 120); // Sun 00:30 CET → 29 March
    await usageAt(clock, userId, '2026-03-29T00:59:00Z', 10); // Sun 01:59 CET
    await usageAt(clock, userId, '2026-03-29T01:00:00Z', 20); // Sun 03:00 CEST
    await usageAt(clock, userId, '2026-03-29T21:30:00Z', 300); // Sun 23:30 CEST
    await usageAt(clock, userId, '2026-03-29T22:30:00Z', 45); // Mon 00:30 CEST → 30 March (a fixed +1 h would say 29)
    // 25 October 2026, 03:00 CEST → 02:00 CET: the local day has 25 hours
    await usageAt(clock, userId, '2026-10-24T21:30:00Z', 30); // Sat 23:30 CEST → 24 October
    await usageAt(clock, userId, '2026-10-24T22:30:00Z', 40); // Sun 00:30 CEST → 25 October
    await usageAt(clock, userId, '2026-10-25T00:30:00Z', 50); // Sun 02:30 CEST (first time)
    await usageAt(clock, userId, '2026-10-25T01:30:00Z', 60); // Sun 02:30 CET (second time)
    await usageAt(clock, userId, '2026-10-25T22:30:00Z', 70); // Sun 23:30 CET (a fixed +2 h would say 26)
    await usageAt(clock, userId, '2026-10-25T23:30:00Z', 80); // Mon 00:30 CET → 26 October
  });

  it('makes the spring-forward Sunday a 23-hour day bucket', async () => {
    const r = await report(userId, 'DAY', '2026-03-27T23:00:00Z', '2026-03-30T22:00:00Z');
    expect(r.timeZone).toBe('Europe/Berlin');
    expect(r.buckets.map(slim)).toEqual([
      { localDate: '2026-03-28', startAt: '2026-03-27T23:00:00.000Z', endAt: '2026-03-28T23:00:00.000Z', calls: 1, usedSeconds: 60, hours: 24 },
      { localDate: '2026-03-29', startAt: '2026-03-28T23:00:00.000Z', endAt: '2026-03-29T22:00:00.000Z', calls: 4, usedSeconds: 450, hours: 23 },
      { localDate: '2026-03-30', startAt: '2026-03-29T22:00:00.000Z', endAt: '2026-03-30T22:00:00.000Z', calls: 1, usedSeconds: 45, hours: 24 },
    ]);
    expect(r.totals).toMatchObject({ calls: 6, usedSeconds: 555, billableSeconds: 555, creditSeconds: 555, overageSeconds: 0, overageCents: 0 });
  });

  it('makes the fall-back Sunday a 25-hour day bucket', async () => {
    const r = await report(userId, 'DAY', '2026-10-23T22:00:00Z', '2026-10-26T23:00:00Z');
    expect(r.buckets.map(slim)).toEqual([
      { localDate: '2026-10-24', startAt: '2026-10-23T22:00:00.000Z', endAt: '2026-10-24T22:00:00.000Z', calls: 1, usedSeconds: 30, hours: 24 },
      { localDate: '2026-10-25', startAt: '2026-10-24T22:00:00.000Z', endAt: '2026-10-25T23:00:00.000Z', calls: 4, usedSeconds: 220, hours: 25 },
      { localDate: '2026-10-26', startAt: '2026-10-25T23:00:00.000Z', endAt: '2026-10-26T23:00:00.000Z', calls: 1, usedSeconds: 80, hours: 24 },
    ]);
  });

  it('starts ISO weeks on Monday local midnight, 167 and 169 hours long across the changes', async () => {
    const spring = await report(userId, 'WEEK', '2026-03-25T12:00:00Z', '2026-04-01T12:00:00Z');
    expect(spring.buckets.map(slim)).toEqual([
      { localDate: '2026-03-23', startAt: '2026-03-22T23:00:00.000Z', endAt: '2026-03-29T22:00:00.000Z', calls: 5, usedSeconds: 510, hours: 167 },
      { localDate: '2026-03-30', startAt: '2026-03-29T22:00:00.000Z', endAt: '2026-04-05T22:00:00.000Z', calls: 1, usedSeconds: 45, hours: 168 },
    ]);
    const autumn = await report(userId, 'WEEK', '2026-10-19T00:00:00Z', '2026-10-27T00:00:00Z');
    expect(autumn.buckets.map(slim)).toEqual([
      { localDate: '2026-10-19', startAt: '2026-10-18T22:00:00.000Z', endAt: '2026-10-25T23:00:00.000Z', calls: 5, usedSeconds: 250, hours: 169 },
      { localDate: '2026-10-26', startAt: '2026-10-25T23:00:00.000Z', endAt: '2026-11-01T23:00:00.000Z', calls: 1, usedSeconds: 80, hours: 168 },
    ]);
  });

  it('answers months as local calendar months, empty ones with zeros', async () => {
    const r = await report(userId, 'MONTH', '2026-02-15T00:00:00Z', '2026-04-15T00:00:00Z');
    expect(r.buckets.map(slim)).toEqual([
      { localDate: '2026-02-01', startAt: '2026-01-31T23:00:00.000Z', endAt: '2026-02-28T23:00:00.000Z', calls: 0, usedSeconds: 0, hours: 672 },
      { localDate: '2026-03-01', startAt: '2026-02-28T23:00:00.000Z', endAt: '2026-03-31T22:00:00.000Z', calls: 6, usedSeconds: 555, hours: 743 },
      { localDate: '2026-04-01', startAt: '2026-03-31T22:00:00.000Z', endAt: '2026-04-30T22:00:00.000Z', calls: 0, usedSeconds: 0, hours: 720 },
    ]);
  });

  it('moves the days when the user changes time zone (the rollup of that user is rebuilt)', async () => {
    const em = db.em();
    const before = await report(userId, 'MONTH', '2026-03-01T00:00:00Z', '2026-11-01T00:00:00Z');
    await em.getConnection().execute(`update users set time_zone = 'America/New_York' where id = ?`, [userId]);
    try {
      const ny = await report(userId, 'DAY', '2026-03-28T04:00:00Z', '2026-03-30T04:00:00Z');
      expect(ny.timeZone).toBe('America/New_York');
      expect(ny.buckets.map(slim)).toEqual([
        { localDate: '2026-03-28', startAt: '2026-03-28T04:00:00.000Z', endAt: '2026-03-29T04:00:00.000Z', calls: 4, usedSeconds: 210, hours: 24 },
        { localDate: '2026-03-29', startAt: '2026-03-29T04:00:00.000Z', endAt: '2026-03-30T04:00:00.000Z', calls: 2, usedSeconds: 345, hours: 24 },
      ]);
      const after = await report(userId, 'MONTH', '2026-03-01T05:00:00Z', '2026-11-01T04:00:00Z');
      expect(after.totals).toEqual(before.totals);
    } finally {
      await em.getConnection().execute(`update users set time_zone = 'Europe/Berlin' where id = ?`, [userId]);
    }
  });

  it('refuses reversed ranges, too many buckets and malformed ids with typed codes', async () => {
    const a = analytics();
    const bad = async (input: Parameters<typeof usageReport>[1]) => {
      const r = await usageReport(a, input);
      return r.ok ? 'OK' : `${r.error.code}:${r.error.field}`;
    };
    expect(await bad({ userId, granularity: 'DAY', from: iso('2026-03-02T00:00:00Z'), to: iso('2026-03-01T00:00:00Z') })).toBe('INVALID_ARGUMENT:to');
    expect(await bad({ userId, granularity: 'DAY', from: iso('2025-01-01T00:00:00Z'), to: iso('2026-03-01T00:00:00Z') })).toBe('INVALID_ARGUMENT:to');
    expect(await bad({ userId, granularity: 'MONTH', from: iso('2025-01-01T00:00:00Z'), to: iso('2026-03-01T00:00:00Z') })).toBe('OK');
    expect(await bad({ userId, granularity: 'HOUR' as Granularity, from: iso('2026-03-01T00:00:00Z'), to: iso('2026-03-02T00:00:00Z') })).toBe(
      'INVALID_ARGUMENT:granularity',
    );
    expect(await bad({ userId: 'nope', granularity: 'DAY', from: iso('2026-03-01T00:00:00Z'), to: iso('2026-03-02T00:00:00Z') })).toBe('USER_NOT_FOUND:userId');
    expect(await bad({ userId: randomUUID(), granularity: 'DAY', from: iso('2026-03-01T00:00:00Z'), to: iso('2026-03-02T00:00:00Z') })).toBe(
      'USER_NOT_FOUND:userId',
    );
  });
});

describe('the usage rollup', () => {
  const RAW = `select user_id, (occurred_at at time zone 'Europe/Berlin')::date as day, count(*)::int as calls,
                      sum(used_seconds)::int as used, sum(billed_seconds)::int as billed
                 from usage_records where user_id = any(?::uuid[]) group by 1, 2 order by 1, 2`;
  const ROLLED = `select user_id, day, sum(calls)::int as calls, sum(used_seconds)::int as used, sum(billed_seconds)::int as billed
                    from usage_daily where user_id = any(?::uuid[]) group by 1, 2 order by 1, 2`;

  it('equals the raw records after concurrent writers and concurrent refreshes, each record counted once', async () => {
    const clock = new ManualClock(iso('2026-06-10T08:00:00Z'));
    const users = await Promise.all(Array.from({ length: 4 }, () => newUserWithBonus(db.em(), clock, 1_000_000)));
    const orms = [db.orm, await db.extraOrm(4), await db.extraOrm(4)];
    let writing = true;
    const refresher = (async () => {
      let n = 0;
      while (writing) {
        await Promise.all(orms.slice(1).map((o) => refreshUsageRollups({ em: o.em.fork() }, { batchMax: 7 })));
        n += 1;
      }
      return n;
    })();
    await Promise.all(
      orms.map(async (o, w) => {
        for (let i = 0; i < 60; i++) {
          const r = await recordUsage(
            { em: o.em.fork(), clock },
            {
              userId: users[(i + w) % users.length]!,
              seconds: 1 + ((i * 7 + w) % 90),
              idempotencyKey: `c-${w}-${i}`,
              occurredAt: new Date(clock.now().getTime() - ((i * 3600_000) % (5 * 86_400_000))),
            },
          );
          expect(r.ok).toBe(true);
        }
      }),
    );
    writing = false;
    expect(await refresher).toBeGreaterThan(0);
    await refreshUsageRollups({ em: db.em() });
    const ids = `{${users.join(',')}}`;
    const raw = await db.em().getConnection().execute<{ calls: number }[]>(RAW, [ids]);
    expect(raw.reduce((n, r) => n + r.calls, 0)).toBe(180);
    expect(await db.em().getConnection().execute(ROLLED, [ids])).toEqual(raw);
    // once more changes nothing
    expect((await refreshUsageRollups({ em: db.em() })).consumed).toBe(0);
    expect(await db.em().getConnection().execute(ROLLED, [ids])).toEqual(raw);
  });

  it('waits for a transaction still open and then takes its record, although a later one committed first', async () => {
    const clock = new ManualClock(iso('2026-07-01T08:00:00Z'));
    const slow = await newUserWithBonus(db.em(), clock, 10_000);
    const fast = await newUserWithBonus(db.em(), clock, 10_000);
    await refreshUsageRollups({ em: db.em() });
    const open = new Client({ connectionString: db.url });
    await open.connect();
    try {
      await open.query('begin');
      await open.query(`select vp_record_usage($1, 100, 'slow-1', 'fp', null, null, null, $2, 604800)`, [slow, clock.now()]);
      unwrap(await recordUsage(deps(db.em(), clock), { userId: fast, seconds: 200, idempotencyKey: 'fast-1' }));
      const slowId = (await open.query<{ id: string }>('select id from usage_records where user_id = $1', [slow])).rows[0]!.id;
      const [order] = await db
        .em()
        .getConnection()
        .execute<{ slow_first: boolean }[]>('select ?::uuid < (select id from usage_records where user_id = ?) as slow_first', [slowId, fast]);
      expect(order!.slow_first).toBe(true); // a watermark at the newest committed id would skip the slow record forever
      await refreshUsageRollups({ em: db.em() });
      const rolled = async () =>
        db
          .em()
          .getConnection()
          .execute<{ user_id: string; used: number }[]>(
            'select user_id, sum(used_seconds)::int as used from usage_daily where user_id in (?, ?) group by 1 order by 1',
            [slow, fast],
          );
      // while the slow transaction is open, the horizon stays before it
      expect(await rolled()).toEqual([]);
      await open.query('commit');
      await refreshUsageRollups({ em: db.em() });
      expect(Object.fromEntries((await rolled()).map((r) => [r.user_id, r.used]))).toEqual({ [slow]: 100, [fast]: 200 });
      await refreshUsageRollups({ em: db.em() });
      expect(Object.fromEntries((await rolled()).map((r) => [r.user_id, r.used]))).toEqual({ [slow]: 100, [fast]: 200 });
    } finally {
      await open.end();
    }
  });

  it("a query's catch-up waits (briefly) for the transactions open when it began, so its answer includes them", async () => {
    const clock = new ManualClock(iso('2026-07-02T08:00:00Z'));
    const slow = await newUserWithBonus(db.em(), clock, 10_000);
    const open = new Client({ connectionString: db.url });
    await open.connect();
    try {
      await open.query('begin');
      await open.query(`select vp_record_usage($1, 42, 'slow-2', 'fp', null, null, null, $2, 604800)`, [slow, clock.now()]);
      const committing = new Promise((resolve) => setTimeout(resolve, 60)).then(() => open.query('commit'));
      const r = await refreshUsageRollups({ em: db.em() }, { waitMs: 5000 });
      await committing;
      expect(r.passes).toBeGreaterThan(1);
      const [row] = await db
        .em()
        .getConnection()
        .execute<{ used: number }[]>('select sum(used_seconds)::int as used from usage_daily where user_id = ?', [slow]);
      expect(row!.used).toBe(42);
    } finally {
      await open.end();
    }
  });

  it('adds no write to the usage hot path: recordUsage and commitReservation touch no analytics table', async () => {
    const clock = new ManualClock(iso('2026-07-03T08:00:00Z'));
    const userId = await newUserWithBonus(db.em(), clock, 10_000);
    // the rows each call writes, per table, counted inside its transaction (a fresh session each time:
    // Postgres 15 keeps a session's not yet reported counts in these views)
    const written = async (sql: string, params: unknown[]) => {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query('begin');
        await c.query(sql, params);
        const { rows } = await c.query<{ relname: string; n: string }>(
          `select relname, (n_tup_ins + n_tup_upd + n_tup_del)::text as n from pg_stat_xact_user_tables
            where n_tup_ins + n_tup_upd + n_tup_del > 0 order by relname`,
        );
        await c.query('commit');
        return Object.fromEntries(rows.map((r) => [r.relname, Number(r.n)]));
      } finally {
        await c.end();
      }
    };
    const usage = await written(`select vp_record_usage($1, 30, 'hot-1', 'fp', null, null, null, $2, 604800)`, [userId, clock.now()]);
    expect(usage).toEqual({ credit_balances: 1, credit_grants: 1, idempotency_records: 1, ledger_entries: 1, usage_records: 1 });
    const [hold] = await db
      .em()
      .getConnection()
      .execute<{ r: { reservation: { id: string } } }[]>(`select vp_reserve(?, 60, 300, 'hold-1', 'fp', 200, ?) as r`, [userId, clock.now()]);
    const commit = await written('select vp_commit_reservation($1, 45, null, $2)', [hold!.r.reservation.id, clock.now()]);
    expect(Object.keys(commit).sort()).toEqual(['credit_balances', 'credit_grants', 'ledger_entries', 'reservations', 'usage_records']);
  });

  it('refuses to run outside READ COMMITTED, where one snapshot would hide commits it relies on', async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('begin isolation level repeatable read');
      await expect(c.query('select vp_refresh_usage_rollups(10)')).rejects.toThrow(/READ COMMITTED/);
      await c.query('rollback');
    } finally {
      await c.end();
    }
  });
});
