import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi, credentialFrom, type Api, type Credential } from './api';
import { listenForHostToken, remember, remembered } from './auth';
import { AdminView } from './Admin';
import { CustomerView } from './Customer';
import { MeDocument } from './documents';
import { useQuery } from './hooks';
import { useI18n, type Lang } from './i18n';

function LanguageSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <label className="lang">
      {t('language')}{' '}
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language">
        <option value="de">Deutsch</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}

/** Where the fake (or real) Stripe sends the checkout window back to. */
function CheckoutReturn({ result }: { result: string }) {
  const { t } = useI18n();
  return (
    <main className="narrow">
      <h1>{t('title')}</h1>
      <p data-testid="checkout-result">{result === 'cancel' ? t('checkoutCanceled') : t('checkoutDone')}</p>
      <button onClick={() => window.close()}>{t('close')}</button>
    </main>
  );
}

function SignIn({ onSignIn }: { onSignIn(c: Credential, keep: boolean): void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [keep, setKeep] = useState(false);
  return (
    <main className="narrow">
      <header className="top">
        <h1>{t('title')}</h1>
        <LanguageSwitch />
      </header>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          const c = credentialFrom(text);
          if (c) onSignIn(c, keep);
        }}
      >
        <label htmlFor="credential">{t('credential')}</label>
        <textarea id="credential" rows={4} value={text} onChange={(e) => setText(e.target.value)} autoComplete="off" spellCheck={false} required />
        <p className="hint">{t('credentialHelp')}</p>
        <label>
          <input type="checkbox" checked={keep} onChange={(e) => setKeep(e.target.checked)} /> {t('remember')}
        </label>
        <p>
          <button className="primary" type="submit">
            {t('signIn')}
          </button>
        </p>
      </form>
    </main>
  );
}

function Dashboard({ api, signOut }: { api: Api; signOut(): void }) {
  const { t } = useI18n();
  const me = useQuery(api, MeDocument, {});
  const [view, setView] = useState<'customer' | 'admin' | null>(null);
  const role = me.data?.me.role;
  const shown = view ?? (role === 'ADMIN' ? 'admin' : 'customer');
  return (
    <>
      <header className="top">
        <h1>{t('title')}</h1>
        {me.data && <span className="who">{me.data.me.email}</span>}
        {role === 'ADMIN' && (
          <nav className="segmented" aria-label="views">
            <button aria-pressed={shown === 'admin'} onClick={() => setView('admin')} data-testid="view-admin">
              {t('admin')}
            </button>
            <button aria-pressed={shown === 'customer'} onClick={() => setView('customer')}>
              {t('customer')}
            </button>
          </nav>
        )}
        <LanguageSwitch />
        <button onClick={signOut} data-testid="sign-out">
          {t('signOut')}
        </button>
      </header>
      <main>
        {me.error && !me.data && (
          <p className="error" role="alert">
            {t('error')}: {me.error.message}
          </p>
        )}
        {!me.data && !me.error && <p>{t('loading')}</p>}
        {me.data && shown === 'admin' && <AdminView api={api} />}
        {me.data && shown === 'customer' && <CustomerView api={api} me={me.data.me} plans={me.data.plans} reloadMe={me.reload} />}
      </main>
    </>
  );
}

export function App() {
  const returned = /\/checkout\/(success|cancel|portal)\/?$/.exec(window.location.pathname);
  const [credential, setCredential] = useState<Credential | null>(() => (returned ? null : remembered()));
  const api = useMemo(() => (credential ? createApi(credential) : null), [credential]);
  useEffect(() => () => api?.close(), [api]);
  const signIn = useCallback((c: Credential, keep = false) => {
    remember(keep ? c : null);
    setCredential(c);
  }, []);
  const signOut = useCallback(() => {
    remember(null);
    setCredential(null);
  }, []);
  useEffect(() => listenForHostToken((c) => signIn(c), signOut), [signIn, signOut]);
  if (returned) return <CheckoutReturn result={returned[1]!} />;
  if (!api) return <SignIn onSignIn={signIn} />;
  return <Dashboard key={credential!.value} api={api} signOut={signOut} />;
}
