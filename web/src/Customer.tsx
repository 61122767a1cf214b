// The customer's dashboard (a USER token): the live balance, the period, usage with its forecast,
// ROI, the ledger with lineage, live alerts as toasts, membership, consents, export and deletion.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Api } from './api';
import { newer } from './balance';
import { Chart } from './Chart';
import {
  BalanceChangedDocument,
  CancelDocument,
  ChangePlanDocument,
  CheckoutDocument,
  ConsentsDocument,
  DeleteAccountDocument,
  ExportDocument,
  GrantConsentDocument,
  OverageLimitDocument,
  PortalDocument,
  RevokeConsentDocument,
  RoiDocument,
  TopUpDocument,
  TransactionsDocument,
  UsageAlertDocument,
  UsageDocument,
} from './documents';
import type { BalanceFieldsFragment, ConsentPurpose, MeQuery, PlanCode, UsageAlertSubscription, UsageGranularity } from './gql/graphql';
import { openInNewWindow, useAction, useQuery } from './hooks';
import { ColumnHeads } from './ColumnHeads';
import { useI18n, type MessageKey } from './i18n';

type Me = MeQuery['me'];
type Plans = MeQuery['plans'];
type Alert = UsageAlertSubscription['usageAlert'];

const key = (what: string) => `web-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const back = (result: string) => `${window.location.origin}/app/checkout/${result}`;

function ErrorLine({ error }: { error: Error | null }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {t('error')}: {error.message}
    </p>
  );
}

export function CustomerView({ api, me, plans, reloadMe }: { api: Api; me: Me; plans: Plans; reloadMe(): void }) {
  const { t } = useI18n();
  const [balance, setBalance] = useState<BalanceFieldsFragment | null>(me.balance);
  const [connected, setConnected] = useState(false);
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [changes, setChanges] = useState(0);
  useEffect(() => setBalance((b) => newer(b, me.balance)), [me.balance]);

  // a burst of changes (a month of calls) refreshes the tables once
  const refreshTimer = useRef<number | undefined>(undefined);
  const scheduleRefresh = useCallback(() => {
    window.clearTimeout(refreshTimer.current);
    refreshTimer.current = window.setTimeout(() => {
      setChanges((c) => c + 1);
      reloadMe();
    }, 400);
  }, [reloadMe]);

  useEffect(() => {
    const stopBalance = api.subscribe(BalanceChangedDocument, undefined, (d) => {
      setBalance((b) => newer(b, d.balanceChanged));
      scheduleRefresh();
    });
    const stopAlerts = api.subscribe(UsageAlertDocument, undefined, (d) => setAlerts((a) => [...a, d.usageAlert]));
    const stopWatching = api.onConnection(setConnected);
    return () => {
      stopWatching();
      stopBalance();
      stopAlerts();
      window.clearTimeout(refreshTimer.current);
    };
  }, [api, scheduleRefresh]);

  return (
    <div className="grid">
      <Toasts alerts={alerts} dismiss={(id) => setAlerts((a) => a.filter((x) => x.id !== id))} />
      <BalanceCard balance={balance} connected={connected} />
      <PeriodCard balance={balance} me={me} />
      <UsageCard api={api} changes={changes} />
      <RoiCard api={api} changes={changes} />
      <LedgerCard api={api} changes={changes} />
      <MembershipCard api={api} me={me} plans={plans} reloadMe={reloadMe} />
      <ConsentsCard api={api} />
      <PrivacyCard api={api} />
      <p className="hint">
        {t('version')}: {balance?.version ?? '–'}
      </p>
    </div>
  );
}

function BalanceCard({ balance, connected }: { balance: BalanceFieldsFragment | null; connected: boolean }) {
  const { t, mmss, dateTime } = useI18n();
  return (
    <section className="card" aria-labelledby="balance-h">
      <h2 id="balance-h">
        {t('balance')} <span className={connected ? 'pill ok' : 'pill'}>{connected ? t('live') : t('offline')}</span>
      </h2>
      <p className="big" data-testid="balance" aria-live="polite">
        {mmss(balance?.balanceSeconds)} <small>{t('minutes')}</small>
      </p>
      <dl className="pairs">
        <dt>{t('available')}</dt>
        <dd data-testid="available">{mmss(balance?.availableSeconds)}</dd>
        <dt>{t('reserved')}</dt>
        <dd data-testid="reserved">{mmss(balance?.reservedSeconds)}</dd>
      </dl>
      <p className="hint">
        {t('version')} <span data-testid="balance-version">{balance?.version}</span> · {dateTime(balance?.updatedAt)}
      </p>
    </section>
  );
}

function PeriodCard({ balance, me }: { balance: BalanceFieldsFragment | null; me: Me }) {
  const { t, mmss, eur, date } = useI18n();
  const included = balance?.periodIncludedSeconds ?? 0;
  const used = balance?.periodUsedSeconds ?? 0;
  const over = balance?.periodOverageSeconds ?? 0;
  const scale = Math.max(included, used, 1);
  const inPart = Math.min(used - over, included);
  return (
    <section className="card" aria-labelledby="period-h">
      <h2 id="period-h">{t('period')}</h2>
      {me.membership?.currentPeriodStart && (
        <p className="hint">
          {date(me.membership.currentPeriodStart)} – {date(me.membership.currentPeriodEnd)}
        </p>
      )}
      <div
        className="bar"
        role="progressbar"
        aria-label={t('used')}
        aria-valuemin={0}
        aria-valuemax={included}
        aria-valuenow={Math.min(used, included)}
        aria-valuetext={`${mmss(used)} / ${mmss(included)}`}
      >
        <span className="in" style={{ width: `${(100 * Math.max(inPart, 0)) / scale}%` }} />
        <span className="over" style={{ width: `${(100 * over) / scale}%` }} />
      </div>
      <dl className="pairs">
        <dt>{t('included')}</dt>
        <dd data-testid="period-included">{mmss(included)}</dd>
        <dt>{t('used')}</dt>
        <dd data-testid="period-used">{mmss(used)}</dd>
        <dt>{t('overage')}</dt>
        <dd>
          {mmss(over)} · {eur(balance?.periodOverageCents ?? 0)}
        </dd>
      </dl>
    </section>
  );
}

const DAY_MS = 86_400_000;

function UsageCard({ api, changes }: { api: Api; changes: number }) {
  const { t, mmss, eur, date, lang } = useI18n();
  const [granularity, setGranularity] = useState<UsageGranularity>('DAY');
  const range = useMemo(() => {
    const now = Date.now();
    const span = granularity === 'DAY' ? 30 : granularity === 'WEEK' ? 7 * 12 : 365;
    return { from: new Date(now - span * DAY_MS).toISOString(), to: new Date(now + DAY_MS).toISOString() };
  }, [granularity]);
  const usage = useQuery(api, UsageDocument, { ...range, granularity }, [changes]);
  const f = usage.data?.usageForecast;
  const chart = useMemo(() => {
    const buckets = usage.data?.usage.buckets ?? [];
    const x = buckets.map((b) => Math.floor(Date.parse(b.startAt) / 1000));
    let sum = 0;
    const cumulative = buckets.map((b) => (sum += b.billableSeconds) / 60);
    const series = [
      { label: t('used'), color: '#2563eb', values: buckets.map((b) => b.billableSeconds / 60), bars: true },
      { label: `${t('used')} Σ`, color: '#0f766e', values: cumulative },
    ];
    if (granularity === 'DAY' && f?.periodEnd && f.projectedUsedSeconds !== null && f.projectedUsedSeconds !== undefined) {
      // the forecast: from the period's use so far now to the projection at the period end
      const end = Math.floor(Date.parse(f.periodEnd) / 1000);
      const now = Math.floor(Date.parse(f.asOf) / 1000);
      const points = [...x, end].sort((a, b) => a - b);
      const at = (t: number) => (t < now ? null : (f.usedSeconds + ((f.projectedUsedSeconds! - f.usedSeconds) * (t - now)) / Math.max(end - now, 1)) / 60);
      const pad = (vals: (number | null)[]) => [...vals, null];
      return {
        x: points,
        series: [
          { ...series[0]!, values: pad(series[0]!.values) },
          { ...series[1]!, values: pad(series[1]!.values) },
          {
            label: t('forecast'),
            color: '#d97706',
            dash: [6, 4],
            values: points.map((p, i) => (i === points.length - 1 ? at(p) : i === x.length - 1 ? f.usedSeconds / 60 : null)),
          },
          { label: t('included'), color: '#6b7280', dash: [2, 4], values: points.map(() => f.includedSeconds / 60) },
        ],
      };
    }
    return { x, series };
  }, [usage.data, granularity, f, t]);
  const fmtMin = useCallback((v: number) => mmss(Math.round(v * 60)), [mmss]);
  const fmtX = useCallback(
    (s: number) =>
      new Intl.DateTimeFormat(
        lang === 'de' ? 'de-DE' : 'en-GB',
        granularity === 'MONTH' ? { month: 'short', year: '2-digit' } : { day: '2-digit', month: '2-digit' },
      ).format(new Date(s * 1000)),
    [lang, granularity],
  );
  return (
    <section className="card wide" aria-labelledby="usage-h">
      <h2 id="usage-h">{t('usage')}</h2>
      <div className="segmented" role="group" aria-label={t('usage')}>
        {(['DAY', 'WEEK', 'MONTH'] as const).map((g) => (
          <button key={g} aria-pressed={granularity === g} onClick={() => setGranularity(g)}>
            {t(g.toLowerCase() as MessageKey)}
          </button>
        ))}
      </div>
      <ErrorLine error={usage.error} />
      {usage.data && <Chart title={`${t('usage')} (${t('minutes')})`} x={chart.x} series={chart.series} format={fmtMin} formatX={fmtX} />}
      {f?.periodEnd && (
        <p>
          <strong>{t('forecast')}:</strong>{' '}
          {t('forecastText', {
            rate: mmss(f.dailyRateSeconds),
            used: mmss(f.projectedUsedSeconds),
            over: `${mmss(f.projectedOverageSeconds ?? 0)} (${eur(f.projectedOverageCents ?? 0)})`,
          })}{' '}
          {f.balanceRunsOutAt && t('runsOut', { date: date(f.balanceRunsOutAt) })}
        </p>
      )}
    </section>
  );
}

function RoiCard({ api, changes }: { api: Api; changes: number }) {
  const { t, eur, bp, mmss, number } = useI18n();
  const [euros, setEuros] = useState(30);
  const roi = useQuery(api, RoiDocument, { agentCostCentsPerHour: Math.max(0, Math.round(euros * 100)) }, [changes]);
  const r = roi.data?.roi;
  return (
    <section className="card" aria-labelledby="roi-h">
      <h2 id="roi-h">{t('roi')}</h2>
      <label>
        {t('agentCost')} (€) <input type="number" min={0} step={1} value={euros} onChange={(e) => setEuros(Number(e.target.value) || 0)} />
      </label>
      <ErrorLine error={roi.error} />
      {r && (
        <dl className="pairs">
          <dt>{t('calls')}</dt>
          <dd>
            {number(r.calls)} · {mmss(r.handledSeconds)}
          </dd>
          <dt>{t('humanCost')}</dt>
          <dd>{eur(r.humanCostCents)}</dd>
          <dt>{t('spend')}</dt>
          <dd>{eur(r.spendCents)}</dd>
          <dt>{t('savings')}</dt>
          <dd>{eur(r.savingsCents)}</dd>
          <dt>{t('return')}</dt>
          <dd>{bp(r.returnBp)}</dd>
        </dl>
      )}
    </section>
  );
}

const PAGE = 10;

function LedgerCard({ api, changes }: { api: Api; changes: number }) {
  const { t, mmss, dateTime, date } = useI18n();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const tx = useQuery(api, TransactionsDocument, { first: PAGE, after }, [changes]);
  const page = tx.data?.transactions;
  return (
    <section className="card wide" aria-labelledby="ledger-h">
      <h2 id="ledger-h">{t('ledger')}</h2>
      <ErrorLine error={tx.error} />
      <div className="scroll">
        <table data-testid="ledger">
          <ColumnHeads cols={[t('seq'), t('when'), t('type'), [t('amount'), true], [t('balanceAfter'), true], t('description'), t('lineage')]} />
          <tbody>
            {page?.edges.map(({ node: n }) => (
              <tr key={n.id}>
                <td>{n.sequence}</td>
                <td>{dateTime(n.createdAt)}</td>
                <td>
                  <code>{n.type}</code>
                </td>
                <td className="num">{mmss(n.amountSeconds)}</td>
                <td className="num">{mmss(n.balanceAfterSeconds)}</td>
                <td>{n.description}</td>
                <td>
                  {n.lineage.map((l, i) => (
                    <span key={i} className="tag">
                      {mmss(l.seconds)} {l.grant?.source ?? '?'}
                      {l.grant?.expiresAt ? ` → ${date(l.grant.expiresAt)}` : ''}
                    </span>
                  ))}
                </td>
              </tr>
            ))}
            {page && page.edges.length === 0 && (
              <tr>
                <td colSpan={7}>{t('none')}</td>
              </tr>
            )}
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

function MembershipCard({ api, me, plans, reloadMe }: { api: Api; me: Me; plans: Plans; reloadMe(): void }) {
  const { t, eur, mmss, date } = useI18n();
  const action = useAction();
  const m = me.membership;
  const live = m && ['INCOMPLETE', 'TRIALING', 'ACTIVE', 'PAST_DUE'].includes(m.status);
  const [plan, setPlan] = useState<PlanCode>(m?.plan.code ?? 'BUSINESS');
  const [limit, setLimit] = useState<string>(m ? String(m.overageLimitCents / 100) : '');
  const [minutes, setMinutes] = useState(100);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => setLimit(m ? String(m.overageLimitCents / 100) : ''), [m?.overageLimitCents]);
  const ok = (what: string) => {
    setDone(what);
    reloadMe();
  };
  const buy = (code: PlanCode) =>
    action.run(() =>
      openInNewWindow(async () => {
        const r = await api.request(CheckoutDocument, {
          input: { plan: code, successUrl: back('success'), cancelUrl: back('cancel'), idempotencyKey: key(`checkout-${code}`) },
        });
        return r.createCheckoutSession.url;
      }),
    );
  return (
    <section className="card wide" aria-labelledby="membership-h">
      <h2 id="membership-h">{t('membership')}</h2>
      <ErrorLine error={action.error} />
      {done && (
        <p className="ok" role="status">
          {done}
        </p>
      )}
      {!live && (
        <>
          <p>{t('noMembership')}</p>
          <div className="plans">
            {plans.map((p) => (
              <div className="plan" key={p.code}>
                <h3>{p.name}</h3>
                <p className="price">
                  {eur(p.priceCents)} <small>{t('perMonth')}</small>
                </p>
                <p>
                  {mmss(p.includedSeconds)} {t('minutes')} · {t('overage')} {eur(p.overageCentsPerMinute)}/min
                </p>
                <button className="primary" disabled={action.busy} onClick={() => void buy(p.code)} data-testid={`buy-${p.code}`}>
                  {t('buy', { plan: p.name })}
                </button>
              </div>
            ))}
          </div>
        </>
      )}
      {m && live && (
        <>
          <dl className="pairs">
            <dt>{t('plan')}</dt>
            <dd data-testid="plan">
              {m.plan.name} · {eur(m.plan.priceCents)} {t('perMonth')}
            </dd>
            <dt>{t('status')}</dt>
            <dd data-testid="membership-status">{m.status}</dd>
            <dt>{t('periodEnds')}</dt>
            <dd>{date(m.currentPeriodEnd)}</dd>
          </dl>
          {m.cancelAtPeriodEnd && <p className="warn">{t('cancelScheduled', { date: date(m.currentPeriodEnd) })}</p>}
          {m.scheduledPlan && (
            <p className="hint">
              → {m.scheduledPlan.name} ({date(m.scheduledChangeAt)})
            </p>
          )}
          <div className="row">
            <label>
              {t('changePlan')}{' '}
              <select value={plan} onChange={(e) => setPlan(e.target.value as PlanCode)}>
                {plans.map((p) => (
                  <option key={p.code} value={p.code}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <button
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => (await api.request(ChangePlanDocument, { input: { plan, idempotencyKey: key('plan') } }), ok(t('done'))))
              }
            >
              {t('changePlan')}
            </button>
          </div>
          <div className="row">
            <label>
              {t('overageLimit')} <input type="number" min={0} step={1} value={limit} onChange={(e) => setLimit(e.target.value)} />
            </label>
            <button
              disabled={action.busy}
              onClick={() =>
                void action.run(async () => {
                  await api.request(OverageLimitDocument, { input: { overageLimitCents: Math.round(Number(limit) * 100) } });
                  ok(t('done'));
                })
              }
            >
              {t('save')}
            </button>
          </div>
          <div className="row">
            <label>
              {t('topUp')}{' '}
              <input type="number" min={1} step={1} value={minutes} onChange={(e) => setMinutes(Math.max(1, Math.round(Number(e.target.value) || 1)))} />
            </label>
            <button
              disabled={action.busy}
              onClick={() =>
                void action.run(() =>
                  openInNewWindow(async () => {
                    const r = await api.request(TopUpDocument, {
                      input: { minutes, successUrl: back('success'), cancelUrl: back('cancel'), idempotencyKey: key('topup') },
                    });
                    return r.createTopUpCheckoutSession.url;
                  }),
                )
              }
            >
              {t('topUpButton', { n: minutes })}
            </button>
          </div>
          <div className="row">
            <button
              disabled={action.busy}
              onClick={() =>
                void action.run(() =>
                  openInNewWindow(async () => (await api.request(PortalDocument, { input: { returnUrl: back('portal') } })).createBillingPortalSession.url),
                )
              }
            >
              {t('portal')}
            </button>
            {!m.cancelAtPeriodEnd && (
              <button
                disabled={action.busy}
                onClick={() => void action.run(async () => (await api.request(CancelDocument, { input: { atPeriodEnd: true } }), ok(t('done'))))}
              >
                {t('cancel')}
              </button>
            )}
            <button
              className="danger"
              disabled={action.busy}
              onClick={() => void action.run(async () => (await api.request(CancelDocument, { input: { atPeriodEnd: false } }), ok(t('done'))))}
            >
              {t('cancelNow')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

const POLICY_VERSION = '2026-01';

function ConsentsCard({ api }: { api: Api }) {
  const { t, date } = useI18n();
  const consents = useQuery(api, ConsentsDocument, {});
  const action = useAction();
  const toggle = (purpose: ConsentPurpose, granted: boolean) =>
    void action.run(async () => {
      if (granted) await api.request(RevokeConsentDocument, { input: { purpose, source: 'web' } });
      else await api.request(GrantConsentDocument, { input: { purpose, source: 'web', policyVersion: POLICY_VERSION } });
      consents.reload();
    });
  return (
    <section className="card" aria-labelledby="consents-h">
      <h2 id="consents-h">{t('consents')}</h2>
      <ErrorLine error={consents.error ?? action.error} />
      <ul className="plain">
        {consents.data?.consents.current.map((c) => (
          <li key={c.purpose}>
            <strong>{t(c.purpose)}</strong>: {c.granted ? t('granted') : t('notGranted')}
            {c.changedAt ? ` (${date(c.changedAt)}, ${c.policyVersion})` : ''}{' '}
            <button disabled={action.busy} onClick={() => toggle(c.purpose, c.granted)}>
              {c.granted ? t('revoke') : t('grant')}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function PrivacyCard({ api }: { api: Api }) {
  const { t, dateTime } = useI18n();
  const action = useAction();
  const [download, setDownload] = useState<{ url: string; expiresAt: string | null } | null>(null);
  const [sure, setSure] = useState(false);
  const [deleted, setDeleted] = useState<string | null>(null);
  return (
    <section className="card" aria-labelledby="privacy-h">
      <h2 id="privacy-h">{t('privacy')}</h2>
      <ErrorLine error={action.error} />
      <p>
        <button
          disabled={action.busy}
          onClick={() =>
            void action.run(async () => {
              const r = (await api.request(ExportDocument)).exportMyData;
              if (r.url) setDownload({ url: new URL(r.url, window.location.origin).toString(), expiresAt: r.expiresAt ?? null });
            })
          }
        >
          {t('export')}
        </button>
      </p>
      {download && (
        <p>
          <a href={download.url} download>
            {t('download', { date: dateTime(download.expiresAt) })}
          </a>
        </p>
      )}
      <p>
        <label>
          <input type="checkbox" checked={sure} onChange={(e) => setSure(e.target.checked)} /> {t('deleteConfirm')}
        </label>
      </p>
      <button
        className="danger"
        disabled={!sure || action.busy || deleted !== null}
        onClick={() =>
          void action.run(async () => {
            const r = (await api.request(DeleteAccountDocument)).requestAccountDeletion;
            setDeleted(r.request?.status ?? '');
          })
        }
      >
        {t('deleteAccount')}
      </button>
      {deleted !== null && <p className="warn">{t('deleteRequested', { status: deleted })}</p>}
    </section>
  );
}

function Toasts({ alerts, dismiss }: { alerts: Alert[]; dismiss(id: string): void }) {
  const { t, mmss } = useI18n();
  return (
    <div className="toasts" role="status" aria-live="polite">
      {alerts.map((a) => (
        <div className="toast" key={a.id} data-testid={`toast-${a.kind}`}>
          <strong>{t(`alert_${a.kind}` as MessageKey)}</strong>
          <span>{t('alertDetail', { used: mmss(a.usedSeconds), included: mmss(a.includedSeconds) })}</span>
          <button aria-label={t('dismiss')} onClick={() => dismiss(a.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
