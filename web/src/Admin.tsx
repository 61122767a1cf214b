// The admin console (an ADMIN token): revenue metrics over time, tier usage, unit and customer
// economics, Stripe webhooks and failed jobs with retry, ledger verification, the audit log.
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Api } from './api';
import { Chart } from './Chart';
import { AuditLogDocument, EconomicsDocument, OperationsDocument, RetryEventDocument, RevenueDocument, VerifyLedgerDocument } from './documents';
import type { RevenueQuery, VerifyLedgerQuery } from './gql/graphql';
import { useAction, useQuery } from './hooks';
import { ColumnHeads } from './ColumnHeads';
import { Figure } from './Figure';
import { useI18n } from './i18n';

const DAY_MS = 86_400_000;
const WINDOWS = 6;

function ErrorLine({ error }: { error: Error | null }) {
  const { t } = useI18n();
  return error ? (
    <p className="error" role="alert">
      {t('error')}: {error.message}
    </p>
  ) : null;
}

export function AdminView({ api }: { api: Api }) {
  const [verifyFor, setVerifyFor] = useState('');
  return (
    <div className="grid">
      <RevenueCard api={api} />
      <EconomicsCards api={api} onPick={setVerifyFor} />
      <OperationsCard api={api} />
      <VerifyCard api={api} userId={verifyFor} setUserId={setVerifyFor} />
      <AuditCard api={api} />
    </div>
  );
}

type Metrics = RevenueQuery['revenueMetrics'];

function RevenueCard({ api }: { api: Api }) {
  const { t, eur, bp, number, lang } = useI18n();
  const [series, setSeries] = useState<Metrics[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    // one 30-day window per point, the newest ending now
    const now = Date.now();
    const windows = Array.from({ length: WINDOWS }, (_, i) => {
      const to = now - (WINDOWS - 1 - i) * 30 * DAY_MS;
      return { from: new Date(to - 30 * DAY_MS).toISOString(), to: new Date(to).toISOString() };
    });
    Promise.all(windows.map((w) => api.request(RevenueDocument, w))).then(
      (rs) => setSeries(rs.map((r) => r.revenueMetrics)),
      (e: Error) => setError(e),
    );
  }, [api, tick]);
  const last = series?.[series.length - 1];
  const x = useMemo(() => (series ?? []).map((m) => Math.floor(Date.parse(m.to) / 1000)), [series]);
  const money = useMemo(
    () => [
      { label: t('mrr'), color: '#2563eb', values: (series ?? []).map((m) => m.mrrCents) },
      { label: t('usageMrr'), color: '#0f766e', values: (series ?? []).map((m) => m.usageMrrCents) },
      { label: t('arpu'), color: '#d97706', values: (series ?? []).map((m) => m.arpuCents ?? null) },
      { label: t('ltv'), color: '#7c3aed', values: (series ?? []).map((m) => m.ltvCents ?? null) },
    ],
    [series, t],
  );
  const churn = useMemo(
    () => [{ label: t('churn'), color: '#dc2626', values: (series ?? []).map((m) => (m.customerChurnRateBp ?? 0) / 100), bars: true }],
    [series, t],
  );
  const fmtX = useCallback(
    (s: number) => new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { day: '2-digit', month: 'short' }).format(new Date(s * 1000)),
    [lang],
  );
  const fmtEur = useCallback((v: number) => eur(Math.round(v)), [eur]);
  const fmtPct = useCallback((v: number) => `${v.toFixed(1)} %`, []);
  return (
    <section className="card wide" aria-labelledby="revenue-h">
      <h2 id="revenue-h">
        {t('revenue')}{' '}
        <button className="small" onClick={() => setTick((n) => n + 1)}>
          {t('refresh')}
        </button>
      </h2>
      <ErrorLine error={error} />
      {last && (
        <div className="kpis">
          <Figure label={t('mrr')} value={eur(last.mrrCents)} testId="admin-mrr" />
          <Figure label={t('usageMrr')} value={eur(last.usageMrrCents)} />
          <Figure label={t('customers')} value={number(last.customers)} />
          <Figure label={t('churn')} value={bp(last.customerChurnRateBp)} />
          <Figure label={t('arpu')} value={eur(last.arpuCents)} />
          <Figure label={t('ltv')} value={eur(last.ltvCents)} />
          <Figure label={t('revenueRange')} value={eur(last.revenueCents)} />
        </div>
      )}
      {series && (
        <div className="two">
          <Chart title={t('mrrOverTime')} x={x} series={money} format={fmtEur} formatX={fmtX} />
          <Chart title={t('churnOverTime')} x={x} series={churn} format={fmtPct} formatX={fmtX} />
        </div>
      )}
    </section>
  );
}

function EconomicsCards({ api, onPick }: { api: Api; onPick(userId: string): void }) {
  const { t, eur, bp, mmss, number } = useI18n();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const range = useMemo(() => ({ from: new Date(Date.now() - 30 * DAY_MS).toISOString(), to: new Date().toISOString() }), []);
  const q = useQuery(api, EconomicsDocument, { ...range, first: 10, after: cursors[cursors.length - 1] ?? null });
  const d = q.data;
  const perMinute = (cents: number, seconds: number) => (seconds > 0 ? eur(Math.round((cents * 60) / seconds)) : '–');
  return (
    <>
      <section className="card" aria-labelledby="tier-h">
        <h2 id="tier-h">{t('tierUsage')}</h2>
        <ErrorLine error={q.error} />
        <div className="scroll">
          <table>
            <ColumnHeads
              cols={[t('plan'), [t('customers'), true], [t('periods'), true], [t('mean'), true], ['p50', true], ['p90', true], [t('overageShare'), true]]}
            />
            <tbody>
              {d?.tierUsage.map((r) => (
                <tr key={r.planCode}>
                  <td>{r.planCode}</td>
                  <td className="num">{number(r.customers)}</td>
                  <td className="num">{number(r.periods)}</td>
                  <td className="num">{bp(r.averageShareBp)}</td>
                  <td className="num">{bp(r.p50ShareBp)}</td>
                  <td className="num">{bp(r.p90ShareBp)}</td>
                  <td className="num">{bp(r.overageShareBp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="unit-h">
        <h2 id="unit-h">{t('unitEconomics')}</h2>
        <div className="scroll">
          <table>
            <ColumnHeads cols={[t('plan'), [t('customers'), true], [t('used'), true], [t('revenuePerMinute'), true], [t('margin'), true]]} />
            <tbody>
              {d?.unitEconomics.plans.map((p) => (
                <tr key={p.planCode}>
                  <td>{p.planCode}</td>
                  <td className="num">{number(p.customers)}</td>
                  <td className="num">{mmss(p.usedSeconds)}</td>
                  <td className="num">
                    {p.revenuePerUsedMinuteMillicents === null || p.revenuePerUsedMinuteMillicents === undefined
                      ? '–'
                      : eur(p.revenuePerUsedMinuteMillicents / 1000)}
                  </td>
                  <td className="num">
                    {eur(p.marginCents)} ({bp(p.marginBp)})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card wide" aria-labelledby="econ-h">
        <h2 id="econ-h">{t('customerEconomics')}</h2>
        <div className="scroll">
          <table>
            <ColumnHeads
              cols={[
                t('user'),
                t('plan'),
                [t('calls'), true],
                [t('used'), true],
                [t('revenueRange'), true],
                [t('cost'), true],
                [t('margin'), true],
                [t('marginPerMinute'), true],
              ]}
            />
            <tbody>
              {d?.customerEconomics.edges.map(({ node: c }) => (
                <tr key={c.userId}>
                  <td>
                    <button className="link" onClick={() => onPick(c.userId)} title={t('verifyLedger')}>
                      <code>{c.userId.slice(0, 8)}…</code>
                    </button>
                  </td>
                  <td>{c.planCode ?? '–'}</td>
                  <td className="num">{number(c.calls)}</td>
                  <td className="num">{mmss(c.usedSeconds)}</td>
                  <td className="num">{eur(c.revenueCents)}</td>
                  <td className="num">{eur(c.costCents)}</td>
                  <td className="num">
                    {eur(c.marginCents)} ({bp(c.marginBp)})
                  </td>
                  <td className="num">{perMinute(c.marginCents, c.usedSeconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="pager">
          <button disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t('previous')}
          </button>
          <span>{t('pageOf', { page: cursors.length, total: d?.customerEconomics.totalCount ?? 0 })}</span>
          <button
            disabled={!d?.customerEconomics.pageInfo.hasNextPage}
            onClick={() => d?.customerEconomics.pageInfo.endCursor && setCursors((c) => [...c, d.customerEconomics.pageInfo.endCursor!])}
          >
            {t('next')}
          </button>
        </div>
      </section>
    </>
  );
}

function OperationsCard({ api }: { api: Api }) {
  const { t, dateTime } = useI18n();
  const [status, setStatus] = useState('');
  const ops = useQuery(api, OperationsDocument, { status: status || null });
  const action = useAction();
  const retry = (id: string) =>
    void action.run(async () => {
      await api.request(RetryEventDocument, { input: { id } });
      ops.reload();
    });
  return (
    <section className="card wide" aria-labelledby="ops-h">
      <h2 id="ops-h">
        {t('webhooks')}{' '}
        <select aria-label={t('status')} value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">{t('all')}</option>
          {['RECEIVED', 'PROCESSING', 'PROCESSED', 'FAILED', 'IGNORED'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>{' '}
        <button className="small" onClick={ops.reload}>
          {t('refresh')}
        </button>
      </h2>
      <ErrorLine error={ops.error ?? action.error} />
      <div className="scroll short">
        <table data-testid="webhooks">
          <ColumnHeads cols={[t('received'), t('type'), t('status'), [t('attempts'), true], t('error'), null]} />
          <tbody>
            {ops.data?.webhookEvents.map((e) => (
              <tr key={e.id}>
                <td>{dateTime(e.receivedAt)}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>{e.status}</td>
                <td className="num">{e.attempts}</td>
                <td>{e.lastError}</td>
                <td>
                  {e.status !== 'PROCESSED' && (
                    <button className="small" disabled={action.busy} onClick={() => retry(e.id)}>
                      {t('retry')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>{t('failedJobs')}</h3>
      {ops.data && ops.data.failedJobs.length === 0 && <p className="hint">{t('none')}</p>}
      {ops.data && ops.data.failedJobs.length > 0 && (
        <table>
          <ColumnHeads cols={[t('when'), t('type'), [t('attempts'), true], t('error'), null]} />
          <tbody>
            {ops.data.failedJobs.map((j) => (
              <tr key={`${j.queue}-${j.id}`}>
                <td>{dateTime(j.failedAt)}</td>
                <td>
                  {j.queue}/{j.type}
                </td>
                <td className="num">{j.attemptsMade}</td>
                <td>{j.failedReason}</td>
                <td>
                  {j.eventId && (
                    <button className="small" disabled={action.busy} onClick={() => retry(j.eventId!)}>
                      {t('retry')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function VerifyCard({ api, userId, setUserId }: { api: Api; userId: string; setUserId(id: string): void }) {
  const { t, mmss } = useI18n();
  const action = useAction();
  const [result, setResult] = useState<VerifyLedgerQuery['verifyLedger'] | undefined>(undefined);
  return (
    <section className="card" aria-labelledby="verify-h">
      <h2 id="verify-h">{t('verifyLedger')}</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => setResult((await api.request(VerifyLedgerDocument, { userId: userId.trim() })).verifyLedger));
        }}
      >
        <label>
          {t('userId')} <input value={userId} onChange={(e) => setUserId(e.target.value)} size={38} required />
        </label>
        <button disabled={action.busy}>{t('verify')}</button>
      </form>
      <ErrorLine error={action.error} />
      {result === null && <p>{t('none')}</p>}
      {result?.ok && <p className="ok">{t('ledgerOk', { n: result.entriesChecked, balance: mmss(result.balanceSeconds) })}</p>}
      {result && !result.ok && (
        <div className="error">
          {t('ledgerBad', { seq: result.firstBadSequence ?? '–' })}
          <ul>
            {result.problems.map((p, i) => (
              <li key={i}>
                #{p.invariant} {p.sequence !== null && p.sequence !== undefined ? `(${p.sequence})` : ''}: {p.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function AuditCard({ api }: { api: Api }) {
  const { t, dateTime } = useI18n();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const q = useQuery(api, AuditLogDocument, { first: 15, after: cursors[cursors.length - 1] ?? null });
  const page = q.data?.auditLog;
  return (
    <section className="card wide" aria-labelledby="audit-h">
      <h2 id="audit-h">
        {t('auditLog')}{' '}
        <button className="small" onClick={q.reload}>
          {t('refresh')}
        </button>
      </h2>
      <ErrorLine error={q.error} />
      <div className="scroll">
        <table>
          <ColumnHeads cols={[t('when'), t('action'), t('actor'), t('target')]} />
          <tbody>
            {page?.edges.map(({ node: a }) => (
              <tr key={a.id}>
                <td>{dateTime(a.occurredAt)}</td>
                <td>
                  <code>{a.action}</code>
                </td>
                <td>
                  {a.actorRole} {a.actorId ? <code>{a.actorId.slice(0, 8)}…</code> : ''}
                </td>
                <td>{a.targetUserId ? <code>{a.targetUserId.slice(0, 8)}…</code> : (a.subjectId ?? '–')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="pager">
        <button disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          {t('previous')}
        </button>
        <span>{t('pageOf', { page: cursors.length, total: page?.totalCount ?? 0 })}</span>
        <button disabled={!page?.pageInfo.hasNextPage} onClick={() => page?.pageInfo.endCursor && setCursors((c) => [...c, page.pageInfo.endCursor!])}>
          {t('next')}
        </button>
      </div>
    </section>
  );
}
