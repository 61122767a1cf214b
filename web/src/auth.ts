// Where the credential is kept: in memory by default; in localStorage only when the user ticks
// "remember". In production a host application hands its bearer token over instead (see
// docs/frontend.md): `window.vpBilling.signIn(token)` or a same-origin postMessage.
import type { Credential } from './api';

const KEY = 'vp-billing-credential';

export function remembered(): Credential | null {
  try {
    const raw = window.localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Credential) : null;
  } catch {
    return null;
  }
}

export function remember(c: Credential | null): void {
  try {
    if (c) window.localStorage.setItem(KEY, JSON.stringify(c));
    else window.localStorage.removeItem(KEY);
  } catch {
    /* storage refused: stay in memory */
  }
}

declare global {
  interface Window {
    vpBilling?: { signIn(token: string): void; signOut(): void };
  }
}

/** Lets the host page hand over its token: a global function and same-origin messages. */
export function listenForHostToken(signIn: (c: Credential) => void, signOut: () => void): () => void {
  window.vpBilling = { signIn: (token) => signIn({ kind: 'token', value: token }), signOut };
  const onMessage = (e: MessageEvent) => {
    if (e.origin !== window.location.origin) return;
    const d = e.data as { type?: string; token?: string } | null;
    if (d?.type === 'vp-billing-token' && typeof d.token === 'string') signIn({ kind: 'token', value: d.token });
  };
  window.addEventListener('message', onMessage);
  return () => {
    window.removeEventListener('message', onMessage);
    delete window.vpBilling;
  };
}
