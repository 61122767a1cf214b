import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Api } from './api';

export interface Loaded<R> {
  data: R | null;
  error: Error | null;
  loading: boolean;
  reload(): void;
}

/** A query that runs when its variables change and on reload(); the newest answer wins. */
export function useQuery<R, V>(api: Api, doc: TypedDocumentNode<R, V>, variables: V, deps: unknown[] = []): Loaded<R> {
  const [state, setState] = useState<{ data: R | null; error: Error | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    api.request(doc, variables).then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (error: Error) => mine === seq.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, [api, doc, key, tick, ...deps]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** Runs an action, keeping its failure to show; returns whether it succeeded. */
export function useAction(): { busy: boolean; error: Error | null; run<T>(f: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  return {
    busy,
    error,
    clear: () => setError(null),
    async run(f) {
      setBusy(true);
      setError(null);
      try {
        return await f();
      } catch (e) {
        setError(e as Error);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
  };
}

/** Opens a window now (inside the click, so no popup blocker stops it) and sends it where `url()` says. */
export async function openInNewWindow(url: () => Promise<string | null | undefined>): Promise<void> {
  const w = window.open('about:blank', '_blank');
  try {
    const target = await url();
    if (!target) {
      w?.close();
      return;
    }
    if (w) w.location.href = target;
    else window.location.assign(target);
  } catch (e) {
    w?.close();
    throw e;
  }
}
