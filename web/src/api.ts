// The app's GraphQL client: typed documents over fetch (queries, mutations) and graphql-ws
// (subscriptions) against the same origin's /graphql. The credential lives in memory; the caller
// decides whether it is remembered (see auth.ts). Nothing ever puts it in a URL.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';

export type Credential = { kind: 'token' | 'apiKey'; value: string };

/** A token or an API key as pasted: API keys start with vpk_. */
export function credentialFrom(text: string): Credential | null {
  const value = text.trim().replace(/^Bearer\s+/i, '');
  if (!value) return null;
  return { kind: value.startsWith('vpk_') ? 'apiKey' : 'token', value };
}

export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface UserErrorLike {
  code: string;
  message: string;
}

/** A mutation's typed business failures, thrown so one catch shows every kind of failure. */
export class UserErrors extends Error {
  constructor(readonly errors: UserErrorLike[]) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
  }
}

const printed = new WeakMap<object, string>();
function source(doc: TypedDocumentNode<unknown, never>): string {
  let s = printed.get(doc);
  if (!s) printed.set(doc, (s = print(doc)));
  return s;
}

export interface Api {
  credential: Credential;
  request<R, V>(doc: TypedDocumentNode<R, V>, variables?: V): Promise<R>;
  subscribe<R, V>(doc: TypedDocumentNode<R, V>, variables: V | undefined, onData: (data: R) => void, onError?: (err: unknown) => void): () => void;
  /** Whether the WebSocket is connected now and whenever that changes; returns the unsubscribe. */
  onConnection(listener: (connected: boolean) => void): () => void;
  close(): void;
}

export function createApi(credential: Credential, origin = window.location.origin): Api {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (credential.kind === 'token') headers.authorization = `Bearer ${credential.value}`;
  else headers['x-api-key'] = credential.value;
  let ws: Client | null = null;
  let connected = false;
  const listeners = new Set<(connected: boolean) => void>();
  const setConnected = (c: boolean) => {
    connected = c;
    for (const l of listeners) l(c);
  };
  const wsClient = () =>
    (ws ??= createClient({
      url: `${origin.replace(/^http/, 'ws')}/graphql`,
      connectionParams: credential.kind === 'token' ? { authorization: `Bearer ${credential.value}` } : { apiKey: credential.value },
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      on: { connected: () => setConnected(true), closed: () => setConnected(false) },
    }));
  return {
    credential,
    async request(doc, variables) {
      const res = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: source(doc as TypedDocumentNode<unknown, never>), variables: variables ?? {} }),
      });
      let body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
      try {
        body = await res.json();
      } catch {
        throw new GraphQLRequestError(`HTTP ${res.status}`, 'HTTP_ERROR', res.status);
      }
      if (body.errors?.length) {
        const e = body.errors[0]!;
        throw new GraphQLRequestError(e.message, e.extensions?.code ?? 'ERROR', res.status);
      }
      const data = body.data as Record<string, unknown>;
      for (const v of Object.values(data ?? {})) {
        const errors = (v as { userErrors?: UserErrorLike[] } | null)?.userErrors;
        if (errors?.length) throw new UserErrors(errors);
      }
      return data as never;
    },
    subscribe(doc, variables, onData, onError) {
      return wsClient().subscribe<Record<string, unknown>>(
        { query: source(doc as TypedDocumentNode<unknown, never>), variables: (variables ?? {}) as Record<string, unknown> },
        {
          next: (m) => {
            if (m.data) onData(m.data as never);
          },
          error: (e) => onError?.(e),
          complete: () => undefined,
        },
      );
    },
    onConnection(listener) {
      listeners.add(listener);
      listener(connected);
      return () => listeners.delete(listener);
    },
    close() {
      void ws?.dispose();
      ws = null;
    },
  };
}
