// The offline explorer at /explorer: GraphiQL from npm, bundled (no CDN), with the committed schema. Queries and mutations go
// over HTTP with the headers of the Headers tab; subscriptions over graphql-ws, authenticated with
// the same Authorization (or x-api-key) header in connection_init.
import type { Fetcher, FetcherParams, FetcherOpts } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// the committed schema, bundled: the explorer needs no introspection (which the depth limit would
// refuse, and production switches off) and works offline
import sdl from '../../schema.graphql?raw';

const schema = buildSchema(sdl);

const origin = window.location.origin;
const sockets = new Map<string, Client>();

function socketFor(headers: Record<string, string>): Client {
  const auth = headers.authorization ?? headers.Authorization;
  const apiKey = headers['x-api-key'];
  const key = JSON.stringify([auth, apiKey]);
  let client = sockets.get(key);
  if (!client) {
    client = createClient({
      url: `${origin.replace(/^http/, 'ws')}/graphql`,
      connectionParams: auth ? { authorization: auth } : apiKey ? { apiKey } : {},
      lazy: true,
      retryAttempts: 3,
    });
    sockets.set(key, client);
  }
  return client;
}

/** Whether the operation GraphiQL runs (by name, or the only one) is a subscription. */
function isSubscription(params: FetcherParams): boolean {
  try {
    const ops = parse(params.query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const op = params.operationName ? ops.find((o) => o.name?.value === params.operationName) : ops[0];
    return op?.operation === 'subscription';
  } catch {
    return false; // the server answers the syntax error
  }
}

const fetcher: Fetcher = (params: FetcherParams, opts?: FetcherOpts) => {
  const headers = (opts?.headers ?? {}) as Record<string, string>;
  if (isSubscription(params)) {
    // graphql-ws yields formatted results (errors as plain objects), which is what GraphiQL shows
    return socketFor(headers).iterate({
      query: params.query,
      variables: params.variables ?? {},
      operationName: params.operationName ?? undefined,
    }) as unknown as ReturnType<Fetcher>;
  }
  return fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(params),
  }).then((r) => r.json());
};

const DEFAULT_QUERY = `# VoicePartnerAI Billing — put your token in the Headers tab:
# { "authorization": "Bearer <token>" }   (npm run token -- --user <uuid>)
# Subscriptions use the same header over graphql-ws.

query Me {
  me { id email role balance { balanceSeconds availableSeconds version } }
  plans { code name priceCents includedSeconds }
}

subscription Live {
  balanceChanged { balanceSeconds reservedSeconds availableSeconds version updatedAt }
}
`;

createRoot(document.getElementById('explorer')!).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      schema={schema}
      defaultQuery={DEFAULT_QUERY}
      defaultHeaders={'{\n  "authorization": "Bearer "\n}'}
      shouldPersistHeaders={false}
    />
  </StrictMode>,
);
