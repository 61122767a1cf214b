// German by default, English switchable (the choice, not a credential, is kept in localStorage).
// Amounts in EUR through Intl (de: 1.234,56 €), durations as mm:ss, dates in the user's locale.
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'de' | 'en';

const de = {
  title: 'VoicePartnerAI – Abrechnung',
  signIn: 'Anmelden',
  signOut: 'Abmelden',
  credential: 'Token oder API-Schlüssel',
  credentialHelp: 'Ein JWT (npm run token) oder ein API-Schlüssel (vpk_…). Er bleibt im Speicher dieser Seite und steht nie in einer URL.',
  remember: 'Auf diesem Gerät merken (localStorage)',
  language: 'Sprache',
  customer: 'Kundenansicht',
  admin: 'Verwaltung',
  balance: 'Guthaben',
  available: 'Verfügbar',
  reserved: 'Reserviert',
  live: 'live',
  offline: 'getrennt',
  version: 'Version',
  period: 'Abrechnungszeitraum',
  included: 'Inklusive',
  used: 'Verbraucht',
  overage: 'Überschreitung',
  usage: 'Nutzung',
  day: 'Tag',
  week: 'Woche',
  month: 'Monat',
  minutes: 'Minuten',
  forecast: 'Prognose',
  forecastText: 'Bei {rate} pro Tag voraussichtlich {used} bis zum Periodenende; Überschreitung {over}.',
  runsOut: 'Das Guthaben reicht bis {date}.',
  roi: 'Ersparnis (ROI)',
  agentCost: 'Kosten einer Fachkraft pro Stunde',
  humanCost: 'Kosten mit Personal',
  spend: 'Ausgaben',
  savings: 'Ersparnis',
  return: 'Rendite',
  calls: 'Anrufe',
  ledger: 'Buchungen',
  seq: 'Nr.',
  type: 'Art',
  amount: 'Betrag',
  balanceAfter: 'Saldo danach',
  description: 'Beschreibung',
  lineage: 'Bezahlt aus',
  when: 'Zeitpunkt',
  previous: 'Zurück',
  next: 'Weiter',
  pageOf: 'Seite {page} · {total} Einträge',
  membership: 'Mitgliedschaft',
  noMembership: 'Noch keine Mitgliedschaft. Wählen Sie einen Tarif:',
  perMonth: '/ Monat',
  buy: '{plan} kaufen',
  status: 'Status',
  periodEnds: 'Zeitraum endet',
  changePlan: 'Tarif wechseln',
  cancel: 'Zum Periodenende kündigen',
  cancelNow: 'Sofort kündigen',
  cancelScheduled: 'Gekündigt zum {date}.',
  overageLimit: 'Überschreitungslimit (€ pro Zeitraum)',
  save: 'Speichern',
  topUp: 'Minuten nachkaufen',
  topUpButton: '{n} Minuten kaufen',
  portal: 'Zahlungsdaten und Rechnungen (Stripe)',
  consents: 'Einwilligungen',
  VOICE_PROCESSING: 'Sprachverarbeitung',
  VOICE_RECORDING: 'Aufzeichnung',
  VOICE_TRAINING: 'Stimmtraining',
  granted: 'erteilt',
  notGranted: 'nicht erteilt',
  grant: 'Erteilen',
  revoke: 'Widerrufen',
  privacy: 'Ihre Daten',
  export: 'Datenexport anfordern',
  download: 'Export herunterladen (gültig bis {date})',
  deleteAccount: 'Konto löschen',
  deleteConfirm: 'Ich verstehe: persönliche Daten werden gelöscht, die Buchungen bleiben pseudonymisiert (Aufbewahrungspflicht).',
  deleteRequested: 'Löschung angefordert ({status}).',
  done: 'Erledigt.',
  error: 'Fehler',
  loading: 'Lädt …',
  needsPlan: 'Nicht verfügbar: {reason}',
  checkoutDone: 'Zahlung abgeschlossen. Die Minuten erscheinen im Dashboard, sobald Stripe die Zahlung bestätigt. Dieses Fenster kann geschlossen werden.',
  checkoutCanceled: 'Zahlung abgebrochen. Dieses Fenster kann geschlossen werden.',
  close: 'Fenster schließen',
  alert_INCLUDED_50: '50 % der Inklusivminuten verbraucht',
  alert_INCLUDED_80: '80 % der Inklusivminuten verbraucht',
  alert_INCLUDED_100: 'Alle Inklusivminuten verbraucht',
  alert_OVERAGE_STARTED: 'Überschreitung hat begonnen',
  alert_OVERAGE_LIMIT_80: '80 % des Überschreitungslimits erreicht',
  alert_OVERAGE_LIMIT_100: 'Überschreitungslimit erreicht',
  alert_LOW_BALANCE: 'Guthaben fast aufgebraucht',
  alertDetail: '{used} von {included} verbraucht',
  dismiss: 'Schließen',
  revenue: 'Umsatz und Kennzahlen',
  mrr: 'MRR (inkl. Nutzung)',
  usageMrr: 'davon Nutzung',
  customers: 'Zahlende Kunden',
  churn: 'Kundenabwanderung',
  arpu: 'ARPU',
  ltv: 'LTV',
  revenueRange: 'Umsatz (30 Tage)',
  mrrOverTime: 'MRR, ARPU und LTV je 30 Tage',
  churnOverTime: 'Abwanderung je 30 Tage (%)',
  tierUsage: 'Nutzung der Inklusivminuten je Tarif',
  plan: 'Tarif',
  periods: 'Zeiträume',
  mean: 'Mittel',
  overageShare: 'mit Überschreitung',
  unitEconomics: 'Stückkosten je Tarif',
  customerEconomics: 'Kundenwirtschaftlichkeit',
  user: 'Kunde',
  cost: 'Kosten',
  margin: 'Marge',
  marginPerMinute: 'Marge / Min.',
  revenuePerMinute: 'Umsatz / Min.',
  webhooks: 'Stripe-Webhooks',
  failedJobs: 'Fehlgeschlagene Jobs',
  retry: 'Erneut verarbeiten',
  attempts: 'Versuche',
  all: 'alle',
  received: 'Eingang',
  verifyLedger: 'Buchungen prüfen',
  userId: 'Kunden-ID',
  verify: 'Prüfen',
  ledgerOk: 'In Ordnung: {n} Einträge, Hash-Kette intakt, Saldo {balance}.',
  ledgerBad: 'Fehler ab Nr. {seq}:',
  auditLog: 'Prüfprotokoll',
  action: 'Aktion',
  actor: 'Wer',
  target: 'Betroffen',
  none: 'Keine Einträge.',
  refresh: 'Aktualisieren',
  adminOnly: 'Die Verwaltung braucht einen ADMIN-Token.',
};

export type MessageKey = keyof typeof de;

const en: Record<MessageKey, string> = {
  title: 'VoicePartnerAI – Billing',
  signIn: 'Sign in',
  signOut: 'Sign out',
  credential: 'Token or API key',
  credentialHelp: 'A JWT (npm run token) or an API key (vpk_…). It stays in this page’s memory and never in a URL.',
  remember: 'Remember on this device (localStorage)',
  language: 'Language',
  customer: 'Customer view',
  admin: 'Admin',
  balance: 'Balance',
  available: 'Available',
  reserved: 'Reserved',
  live: 'live',
  offline: 'disconnected',
  version: 'version',
  period: 'Billing period',
  included: 'Included',
  used: 'Used',
  overage: 'Overage',
  usage: 'Usage',
  day: 'Day',
  week: 'Week',
  month: 'Month',
  minutes: 'minutes',
  forecast: 'Forecast',
  forecastText: 'At {rate} a day, expected {used} by the period end; overage {over}.',
  runsOut: 'The balance lasts until {date}.',
  roi: 'Savings (ROI)',
  agentCost: 'Cost of a human agent per hour',
  humanCost: 'Cost with people',
  spend: 'Spend',
  savings: 'Savings',
  return: 'Return',
  calls: 'Calls',
  ledger: 'Ledger',
  seq: 'No.',
  type: 'Type',
  amount: 'Amount',
  balanceAfter: 'Balance after',
  description: 'Description',
  lineage: 'Paid from',
  when: 'When',
  previous: 'Previous',
  next: 'Next',
  pageOf: 'Page {page} · {total} entries',
  membership: 'Membership',
  noMembership: 'No membership yet. Choose a plan:',
  perMonth: '/ month',
  buy: 'Buy {plan}',
  status: 'Status',
  periodEnds: 'Period ends',
  changePlan: 'Change plan',
  cancel: 'Cancel at period end',
  cancelNow: 'Cancel now',
  cancelScheduled: 'Cancelled as of {date}.',
  overageLimit: 'Overage limit (€ per period)',
  save: 'Save',
  topUp: 'Buy more minutes',
  topUpButton: 'Buy {n} minutes',
  portal: 'Payment details and invoices (Stripe)',
  consents: 'Consents',
  VOICE_PROCESSING: 'Voice processing',
  VOICE_RECORDING: 'Voice recording',
  VOICE_TRAINING: 'Voice training',
  granted: 'granted',
  notGranted: 'not granted',
  grant: 'Grant',
  revoke: 'Revoke',
  privacy: 'Your data',
  export: 'Request a data export',
  download: 'Download the export (valid until {date})',
  deleteAccount: 'Delete account',
  deleteConfirm: 'I understand: personal data is erased, the books stay under a pseudonym (retention duty).',
  deleteRequested: 'Deletion requested ({status}).',
  done: 'Done.',
  error: 'Error',
  loading: 'Loading …',
  needsPlan: 'Not available: {reason}',
  checkoutDone: 'Payment complete. The minutes appear on the dashboard once Stripe confirms the payment. You may close this window.',
  checkoutCanceled: 'Payment cancelled. You may close this window.',
  close: 'Close window',
  alert_INCLUDED_50: '50 % of the included minutes used',
  alert_INCLUDED_80: '80 % of the included minutes used',
  alert_INCLUDED_100: 'All included minutes used',
  alert_OVERAGE_STARTED: 'Overage has started',
  alert_OVERAGE_LIMIT_80: '80 % of the overage limit reached',
  alert_OVERAGE_LIMIT_100: 'Overage limit reached',
  alert_LOW_BALANCE: 'Balance almost used up',
  alertDetail: '{used} of {included} used',
  dismiss: 'Dismiss',
  revenue: 'Revenue and metrics',
  mrr: 'MRR (incl. usage)',
  usageMrr: 'of which usage',
  customers: 'Paying customers',
  churn: 'Customer churn',
  arpu: 'ARPU',
  ltv: 'LTV',
  revenueRange: 'Revenue (30 days)',
  mrrOverTime: 'MRR, ARPU and LTV per 30 days',
  churnOverTime: 'Churn per 30 days (%)',
  tierUsage: 'Use of included minutes per plan',
  plan: 'Plan',
  periods: 'Periods',
  mean: 'Mean',
  overageShare: 'with overage',
  unitEconomics: 'Unit economics per plan',
  customerEconomics: 'Customer economics',
  user: 'Customer',
  cost: 'Cost',
  margin: 'Margin',
  marginPerMinute: 'Margin / min',
  revenuePerMinute: 'Revenue / min',
  webhooks: 'Stripe webhooks',
  failedJobs: 'Failed jobs',
  retry: 'Retry',
  attempts: 'Attempts',
  all: 'all',
  received: 'Received',
  verifyLedger: 'Verify a ledger',
  userId: 'Customer id',
  verify: 'Verify',
  ledgerOk: 'OK: {n} entries, hash chain intact, balance {balance}.',
  ledgerBad: 'Broken from no. {seq}:',
  auditLog: 'Audit log',
  action: 'Action',
  actor: 'Who',
  target: 'Concerning',
  none: 'No entries.',
  refresh: 'Refresh',
  adminOnly: 'The admin view needs an ADMIN token.',
};

const MESSAGES: Record<Lang, Record<MessageKey, string>> = { de, en };

export interface I18n {
  lang: Lang;
  setLang(l: Lang): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** Cents as euros: 1.234,56 € (de) or €1,234.56 (en). */
  eur(cents: number | null | undefined): string;
  /** Seconds as mm:ss (minutes may pass 59: 800:00). */
  mmss(seconds: number | null | undefined): string;
  date(iso: string | null | undefined): string;
  dateTime(iso: string | null | undefined): string;
  /** Basis points as a percentage. */
  bp(bp: number | null | undefined): string;
  number(n: number): string;
}

export function mmss(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.abs(Math.trunc(seconds));
  return `${seconds < 0 ? '−' : ''}${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function makeI18n(lang: Lang, setLang: (l: Lang) => void): I18n {
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const money = new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR' });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const num = new Intl.NumberFormat(locale);
  const d = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const dt = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
  return {
    lang,
    setLang,
    t(key, vars) {
      let s = MESSAGES[lang][key] ?? key;
      for (const [k, v] of Object.entries(vars ?? {})) s = s.replaceAll(`{${k}}`, String(v));
      return s;
    },
    eur: (cents) => (cents === null || cents === undefined ? '–' : money.format(cents / 100)),
    mmss,
    date: (iso) => (iso ? d.format(new Date(iso)) : '–'),
    dateTime: (iso) => (iso ? dt.format(new Date(iso)) : '–'),
    bp: (bp) => (bp === null || bp === undefined ? '–' : percent.format(bp / 10_000)),
    number: (n) => num.format(n),
  };
}

const LANG_KEY = 'vp-billing-lang';
const I18nContext = createContext<I18n>(makeI18n('de', () => undefined));

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() => {
    try {
      return window.localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'de';
    } catch {
      return 'de';
    }
  });
  const value = useMemo(
    () =>
      makeI18n(lang, (l) => {
        setLangState(l);
        document.documentElement.lang = l;
        try {
          window.localStorage.setItem(LANG_KEY, l);
        } catch {
          /* memory only */
        }
      }),
    [lang],
  );
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export const useI18n = () => useContext(I18nContext);
