// graphql-ws on the same HTTP server and path as the API. Subscriptions bypass Apollo, so this file
// does what Apollo does for HTTP: authenticate in connection_init (missing or bad credential, an
// erased account → close 4403 with the reason: expired, bad signature, revoked key, …), authorize every subscribe like a query, apply the same depth / alias / complexity limits,
// mask internal errors; plus limits on connections per user and subscriptions per socket. An
// address pays for its failed authentications here as over HTTP, and one that has spent its
// window is closed with 4429 before its credential is checked.
import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, GraphQLError, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { AuthenticationError, type Authenticator, type Principal } from '../auth/authenticate';
import type { Config } from '../config/env';
import { limits } from '../config/limits';
import type { Orm } from '../db/orm';
import type { LedgerEvents } from '../domain/ports';
import type { GraphQLContext } from '../graphql/context';
import { limitsRules } from '../graphql/limits-rule';
import { createLoaders } from '../graphql/loaders';
import type { Logger } from '../observability/logger';
import type { Clock } from '../shared/clock';
import { PUBLIC_CODES } from './graphql';
import type { RateLimiter } from './rate-limit';

export interface WebSocketDeps {
  server: Server;
  schema: GraphQLSchema;
  authenticate: Authenticator;
  rateLimit: RateLimiter;
  events: LedgerEvents;
  orm: Orm;
  config: Config;
  logger: Logger;
  clock: Clock;
}

interface SocketState {
  principal?: Principal;
  subscriptions: Set<string>;
  expiry?: NodeJS.Timeout;
}

export interface LiveServer {
  /** Open connections and subscriptions of this process (for metrics and leak checks). */
  stats(): { connections: number; subscriptions: number };
  close(): Promise<void>;
}

const state = (extra: Extra): SocketState => {
  const e = extra as Extra & { vp?: SocketState };
  e.vp ??= { subscriptions: new Set() };
  return e.vp;
};

function mask(errors: readonly GraphQLError[] | undefined, logger: Logger): GraphQLError[] | undefined {
  return errors?.map((err) => {
    const code = String(err.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    if (PUBLIC_CODES.has(code)) return new GraphQLError(err.message, { path: err.path, extensions: { code } });
    logger.error({ err }, 'internal error in a subscription');
    return new GraphQLError('Internal server error', { path: err.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
}

export const MISSING_CREDENTIAL = 'no credential: send {"authorization": "Bearer <token>"} or {"apiKey": "vpk_…"} as the connection_init payload';

/** A WebSocket close reason holds at most 123 bytes of UTF-8. */
export function closeReason(text: string): string {
  let reason = `Forbidden: ${text}`;
  while (Buffer.byteLength(reason) > 123) reason = `${[...reason].slice(0, -2).join('')}…`;
  return reason;
}

/** Closes with 4403 and a reason a developer can act on (graphql-ws itself would send plain "Forbidden"). */
function forbid(socket: Extra['socket'], why: string): void {
  socket.close(4403, closeReason(why));
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** The client's address as Express sees it with `trust proxy: loopback` (src/http/server.ts): past loopback proxies, the last X-Forwarded-For hop they added. */
export function clientAddress(req: IncomingMessage): string {
  const hops = [
    req.socket.remoteAddress ?? '',
    ...String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean)
      .reverse(),
  ];
  let i = 0;
  while (i < hops.length - 1 && LOOPBACK.test(hops[i]!)) i += 1;
  return hops[i]!;
}

export function attachWebSockets(deps: WebSocketDeps): LiveServer {
  const wss = new WebSocketServer({ server: deps.server, path: '/graphql', maxPayload: limits.requestBodyBytesMax });
  const perUser = new Map<string, number>();
  let subscriptions = 0;
  const log = deps.logger.child({ component: 'websocket' });

  const disposable = useServer<Record<string, unknown> | undefined>(
    {
      schema: deps.schema,
      connectionInitWaitTimeout: limits.wsConnectionInitTimeoutMs,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const authorization = (params.authorization ?? params.Authorization) as string | undefined;
        const apiKey = (params.apiKey ?? params['x-api-key']) as string | undefined;
        const address = `ip:${clientAddress(ctx.extra.request)}`;
        try {
          await deps.rateLimit.check(address);
        } catch {
          ctx.extra.socket.close(4429, 'Too many failed authentications from this address');
          return false;
        }
        let principal: Principal | null;
        try {
          principal = await deps.authenticate({ authorization, apiKey }, deps.orm.em.fork());
        } catch (err) {
          if (err instanceof AuthenticationError) {
            await deps.rateLimit.count(address);
            forbid(ctx.extra.socket, err.message);
            return false;
          }
          throw err;
        }
        if (!principal) {
          await deps.rateLimit.count(address);
          forbid(ctx.extra.socket, MISSING_CREDENTIAL);
          return false;
        }
        // a token outlives an erasure until it expires: an erased account watches nothing
        const [user] = await deps.orm.em
          .fork()
          .getConnection()
          .execute<{ erased: boolean }[]>('select erased_at is not null as erased from users where id = ?', [principal.userId]);
        if (user?.erased) {
          forbid(ctx.extra.socket, 'the account of this credential was erased (GDPR); it can no longer subscribe');
          return false;
        }
        // the socket may have gone while we authenticated: count nothing then
        if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
        const open = perUser.get(principal.userId) ?? 0;
        if (open >= limits.wsConnectionsPerUserMax) {
          ctx.extra.socket.close(4429, 'Too many connections for this user');
          return false;
        }
        perUser.set(principal.userId, open + 1);
        const s = state(ctx.extra);
        s.principal = principal;
        if (principal.expiresAtMs) {
          // a token's stream ends with the token; the client reconnects with a fresh one
          s.expiry = setTimeout(
            () => forbid(ctx.extra.socket, 'the bearer token expired; reconnect with a new one'),
            Math.max(0, principal.expiresAtMs - Date.now()),
          );
          s.expiry.unref();
        }
        return true;
      },
      onClose: (ctx) => {
        const s = state(ctx.extra);
        if (s.expiry) clearTimeout(s.expiry);
        subscriptions -= s.subscriptions.size;
        s.subscriptions.clear();
        if (s.principal) {
          const left = (perUser.get(s.principal.userId) ?? 1) - 1;
          if (left > 0) perUser.set(s.principal.userId, left);
          else perUser.delete(s.principal.userId);
          s.principal = undefined;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        const s = state(ctx.extra);
        if (s.subscriptions.size >= limits.wsSubscriptionsPerSocketMax) {
          return [new GraphQLError(`At most ${limits.wsSubscriptionsPerSocketMax} subscriptions per connection.`, { extensions: { code: 'BAD_REQUEST' } })];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [new GraphQLError((err as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const variables = payload.variables ?? {};
        const errors = validate(deps.schema, document, [...specifiedRules, ...limitsRules(variables)]);
        if (errors.length) return errors.map((e) => new GraphQLError(e.message, { extensions: { code: e.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED' } }));
        const op = getOperationAST(document, payload.operationName);
        if (!op || op.operation !== 'subscription') {
          return [new GraphQLError('Send queries and mutations over HTTP; WebSockets carry subscriptions.', { extensions: { code: 'BAD_REQUEST' } })];
        }
        s.subscriptions.add(id);
        subscriptions += 1;
        const em = deps.orm.em.fork();
        const contextValue: GraphQLContext = {
          principal: s.principal ?? null,
          em,
          clock: deps.clock,
          config: deps.config,
          logger: log,
          requestId: `ws:${id}`,
          loaders: createLoaders(em),
          events: deps.events,
          payments: null,
          webhookJobs: null,
          lastVersion: new Map(),
        };
        return { schema: deps.schema, document, variableValues: variables, operationName: payload.operationName, contextValue };
      },
      onComplete: (ctx, id) => {
        if (state(ctx.extra).subscriptions.delete(id)) subscriptions -= 1;
      },
      onNext: (_ctx, _id, _payload, _args, result) => ('errors' in result && result.errors ? { ...result, errors: mask(result.errors, log) } : result),
      onError: (_ctx, _id, _payload, errors) => mask(errors, log),
    },
    wss,
    limits.wsKeepAliveMs,
  );

  return {
    stats: () => ({ connections: [...perUser.values()].reduce((a, b) => a + b, 0), subscriptions }),
    async close() {
      await disposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
