// GraphQL over HTTP at /graphql: Apollo Server 5 on Express 5, hardened — body limit, JSON only,
// CSRF prevention, no batching, depth/alias/complexity limits, rate limits per address (before
// authentication) and per principal, masked internal errors, landing page and introspection off
// where they do not belong.
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { AuthenticationError, type Authenticator } from '../auth/authenticate';
import type { ErasureJobs, LedgerEvents, Payments, WebhookJobs } from '../domain/ports';
import type { Config } from '../config/env';
import { limits } from '../config/limits';
import type { Orm } from '../db/orm';
import type { GraphQLContext } from '../graphql/context';
import { isTransient } from '../db/transient';
import { serviceUnavailable, unauthenticated } from '../graphql/errors';
import { limitsRules } from '../graphql/limits-rule';
import { createLoaders, type Loaders } from '../graphql/loaders';
import type { Em } from '../db/em';
import type { Logger } from '../observability/logger';
import { observeOperation } from '../observability/metrics';
import type { Clock } from '../shared/clock';
import type { RateLimiter } from './rate-limit';

/** Codes that may reach a client as they are; anything else is masked as INTERNAL_SERVER_ERROR. */
export const PUBLIC_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COMPLEX',
]);

export interface GraphQLDeps {
  schema: GraphQLSchema;
  authenticate: Authenticator;
  events: LedgerEvents;
  payments: Payments | null;
  webhookJobs: WebhookJobs | null;
  erasureJobs?: ErasureJobs | null;
  orm: Orm;
  config: Config;
  logger: Logger;
  clock: Clock;
  rateLimit: RateLimiter;
}

function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * One log line per operation that failed (`info`), and per successful one only at `debug`: a line
 * per request on the hot path would cost more than some requests.
 */
function operationLog(logger: Logger): ApolloServerPlugin<GraphQLContext> {
  const line = (ctx: GraphQLContext, operationName: string | null | undefined, errors: readonly GraphQLError[] | undefined, started: bigint) => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const fields = {
      operationName: operationName ?? null,
      role: ctx.principal?.role ?? null,
      userId: ctx.principal?.userId ?? null,
      durationMs: Math.round(durationMs * 10) / 10,
      errorCodes: errors?.map((e) => e.extensions?.code) ?? [],
    };
    if (errors?.length) ctx.logger.info(fields, 'graphql');
    else ctx.logger.debug(fields, 'graphql');
  };
  return {
    async requestDidStart() {
      if (!logger.isLevelEnabled('info')) return;
      const started = process.hrtime.bigint();
      const debug = logger.isLevelEnabled('debug');
      return {
        async willSendResponse({ operationName, errors, contextValue: ctx }) {
          if (debug || errors?.length) line(ctx, operationName, errors, started);
        },
      };
    },
  };
}

/** The operation as a metric label: its root field (from the schema, so a closed set), or "multiple". */
export function operationLabel(op: OperationDefinitionNode | undefined): string {
  if (!op) return 'unknown';
  const fields = new Set<string>();
  for (const s of op.selectionSet.selections) fields.add(s.kind === Kind.FIELD ? s.name.value : 'fragment');
  return fields.size === 1 ? [...fields][0]! : 'multiple';
}

/** ok, user_error (a payload with userErrors), or the first top-level error's public code. */
function outcomeOf(errors: readonly { extensions?: Record<string, unknown> }[] | undefined, data: Record<string, unknown> | null | undefined): string {
  if (errors?.length) {
    const code = String(errors[0]!.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    if (PUBLIC_CODES.has(code)) return code;
    return isTransient(unwrapResolverError(errors[0])) ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR';
  }
  for (const v of Object.values(data ?? {})) {
    const userErrors = (v as { userErrors?: unknown[] } | null)?.userErrors;
    if (Array.isArray(userErrors) && userErrors.length) return 'user_error';
  }
  return 'ok';
}

function operationMetrics(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operation, errors, response }) {
          const data = response.body.kind === 'single' ? response.body.singleResult.data : undefined;
          observeOperation(
            operationLabel(operation),
            operation?.operation ?? 'unknown',
            outcomeOf(errors, data),
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
      };
    },
  };
}

/** Whether a value (variables, deeply) holds a string with a NUL byte, which Postgres cannot store. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 32 || value === null || typeof value !== 'object') return false;
  for (const v of Array.isArray(value) ? value : Object.values(value)) if (hasNul(v, depth + 1)) return true;
  for (const k of Array.isArray(value) ? [] : Object.keys(value)) if (k.includes('\u0000')) return true;
  return false;
}

/** Apollo hands the same parsed document for the same query text: it is walked once. */
const nulInDocument = new WeakMap<DocumentNode, boolean>();

function documentHasNul(document: DocumentNode): boolean {
  const known = nulInDocument.get(document);
  if (known !== undefined) return known;
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes('\u0000')) found = true;
    },
  });
  nulInDocument.set(document, found);
  return found;
}

/**
 * Input no operation may see: a NUL byte in any string (text columns cannot hold it, so it would
 * reach Postgres as an internal error), and subscriptions over HTTP (they are served over WebSocket).
 */
function refusedInput(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at this path, not over HTTP.', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
          if (hasNul(request.variables) || documentHasNul(document)) {
            throw new GraphQLError('Strings must not contain a NUL character (\\u0000).', {
              extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/** An error Apollo raises itself for a bad request (e.g. a persisted-query hash that does not match) carries a 4xx head but no code. */
function isClientRequestError(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.originalError) return false;
  const status = (error.extensions?.http as { status?: number } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && !error.extensions?.code;
}

/** A passing database condition answers 503 with retry-after, so clients and proxies know to come back. */
function transientErrors(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, response }) {
          if (!errors.some((e) => isTransient(unwrapResolverError(e)))) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', '1');
        },
      };
    },
  };
}

/**
 * A request's context. The entity manager, the loaders and the request's logger are made when a
 * resolver first asks (most requests need none of them). The lazy parts are getters on the
 * prototype, since Apollo copies the context's own properties for each operation (a getter there
 * would run at that copy); the copy keeps the prototype and so the getters.
 */
class RequestContext implements GraphQLContext {
  clock: Clock;
  config: Config;
  requestId: string;
  events: LedgerEvents;
  payments: Payments | null;
  webhookJobs: WebhookJobs | null;
  erasureJobs: ErasureJobs | null;
  lastVersion?: Map<string, number>;
  private emValue: Em | null;
  private loadersValue: Loaders | null = null;
  private readonly orm: Orm;
  private readonly req: Request;

  constructor(
    public principal: GraphQLContext['principal'],
    em: Em | null,
    deps: GraphQLDeps,
    req: Request,
  ) {
    this.emValue = em;
    this.orm = deps.orm;
    this.req = req;
    this.clock = deps.clock;
    this.config = deps.config;
    this.requestId = req.id;
    this.events = deps.events;
    this.payments = deps.payments;
    this.webhookJobs = deps.webhookJobs;
    this.erasureJobs = deps.erasureJobs ?? null;
  }

  get em(): Em {
    return (this.emValue ??= this.orm.em.fork());
  }
  set em(v: Em) {
    this.emValue = v;
  }
  get loaders(): Loaders {
    return (this.loadersValue ??= createLoaders(() => this.em, this.orm.em));
  }
  set loaders(v: Loaders) {
    this.loadersValue = v;
  }
  get logger(): Logger {
    return this.req.log;
  }
}

export async function createGraphQLRouter(deps: GraphQLDeps): Promise<{ router: Router; stop(): Promise<void> }> {
  const authenticate = deps.authenticate;
  const server = new ApolloServer<GraphQLContext>({
    schema: deps.schema,
    introspection: deps.config.graphqlIntrospection,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    // our main.ts owns SIGTERM/SIGINT and stops everything in order; Apollo's own handlers (on
    // outside NODE_ENV=test) would stop it early and re-raise the signal, killing the drain (exit 143)
    stopOnTerminationSignals: false,
    validationRules: limitsRules(),
    plugins: [
      ...(deps.config.nodeEnv === 'development' ? [] : [ApolloServerPluginLandingPageDisabled()]),
      operationLog(deps.logger),
      operationMetrics(),
      transientErrors(),
      refusedInput(),
    ],
    formatError: (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
      const code = isClientRequestError(error) ? 'BAD_REQUEST' : String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
      if (!PUBLIC_CODES.has(code) && isTransient(unwrapResolverError(error))) {
        deps.logger.warn(
          { err: error, path: formatted.path },
          'database unavailable for a moment: answered SERVICE_UNAVAILABLE (retry with the same idempotency key)',
        );
        // the same answer as before any operation ran; the transientErrors plugin sets the 503
        const { message, extensions } = serviceUnavailable();
        return { message, path: formatted.path, extensions: { code: extensions.code, retryAfterSeconds: extensions.retryAfterSeconds } };
      }
      if (!PUBLIC_CODES.has(code)) {
        deps.logger.error({ err: error }, 'internal error in a GraphQL operation');
        return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
      const retry = formatted.extensions?.retryAfterSeconds;
      return {
        message: formatted.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code, ...(retry ? { retryAfterSeconds: retry } : {}) },
      };
    },
  });
  await server.start();

  const router = express.Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && !req.is('application/json')) {
      jsonError(res, 415, 'BAD_REQUEST', 'Send the operation as JSON with "content-type: application/json".');
      return;
    }
    next();
  });
  router.use(express.json({ limit: limits.requestBodyBytesMax, strict: true }));
  router.use((err: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.type === 'entity.too.large') return jsonError(res, 413, 'BAD_REQUEST', `The request body is larger than ${limits.requestBodyBytesMax} bytes.`);
    if (err.type === 'entity.parse.failed') return jsonError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON.');
    if (err.status && err.status < 500) return jsonError(res, err.status, 'BAD_REQUEST', 'The request body could not be read.');
    next(err);
  });
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (Array.isArray(req.body)) {
      jsonError(res, 400, 'BAD_REQUEST', 'Batched operations are not supported: send one operation per request.');
      return;
    }
    next();
  });
  router.use(
    expressMiddleware(server, {
      context: async ({ req }): Promise<GraphQLContext> => {
        // the entity manager and the loaders are made when first used: most requests need neither
        let em: Em | null = null;
        const lazyEm = () => (em ??= deps.orm.em.fork());
        // an address that spent its window on anonymous requests or bad credentials is refused
        // before its credential costs a lookup
        const address = `ip:${req.ip}`;
        await deps.rateLimit.check(address);
        let principal = null;
        try {
          principal = await authenticate({ authorization: req.header('authorization'), apiKey: req.header('x-api-key') }, lazyEm);
        } catch (err) {
          if (err instanceof AuthenticationError) {
            await deps.rateLimit.count(address);
            throw unauthenticated(err.message);
          }
          if (isTransient(err)) {
            req.log.warn({ err }, 'database unavailable for a moment while authenticating: answered SERVICE_UNAVAILABLE');
            throw serviceUnavailable();
          }
          throw err;
        }
        await deps.rateLimit(principal ? `${principal.via}:${principal.userId}` : address);
        return new RequestContext(principal, em, deps, req);
      },
    }),
  );
  return { router, stop: () => server.stop() };
}
