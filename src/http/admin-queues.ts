// The bull-board queue dashboard at /admin/queues, for ADMIN only. The caller is authenticated by
// the same authenticator as GraphQL: `Authorization: Bearer <ADMIN JWT>` or `x-api-key` of an ADMIN
// key. So that a browser can open it, a first visit with `?token=<ADMIN JWT>` puts the token into an
// HttpOnly, SameSite=Strict cookie scoped to this path (until the token expires) and redirects to
// the same address without it. SameSite=Strict keeps other sites from riding on the cookie for the
// dashboard's actions (retry, clean, promote).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { AuthenticationError, type Authenticator } from '../auth/authenticate';
import type { Orm } from '../db/orm';

export const ADMIN_QUEUES_PATH = '/admin/queues';
export const ADMIN_COOKIE = 'vp_admin_token';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function refuse(res: Response, status: 401 | 403, message: string): void {
  if (status === 401) res.set('www-authenticate', 'Bearer');
  res.status(status).type('text/plain').send(message);
}

export interface AdminQueuesDeps {
  queues: Queue[];
  authenticate: Authenticator;
  orm: Orm;
  /** Mark the cookie Secure (production, behind TLS). */
  secureCookie: boolean;
}

export function createAdminQueuesRouter(deps: AdminQueuesDeps): Router {
  const board = new ExpressAdapter();
  board.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: deps.queues.map((q) => new BullMQAdapter(q)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'VoicePartnerAI queues' } },
  });

  const router = express.Router();
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const fromQuery = typeof req.query.token === 'string' ? req.query.token : undefined;
    const token = fromQuery ?? cookie(req, ADMIN_COOKIE);
    const authorization = req.header('authorization') ?? (token && JWT.test(token) ? `Bearer ${token}` : undefined);
    let principal;
    try {
      principal = await deps.authenticate({ authorization, apiKey: req.header('x-api-key') }, deps.orm.em.fork());
    } catch (err) {
      if (!(err instanceof AuthenticationError)) return next(err);
      return refuse(res, 401, `The dashboard needs an ADMIN credential: ${err.message}.`);
    }
    if (!principal) return refuse(res, 401, 'The dashboard needs an ADMIN credential: "Authorization: Bearer <token>", or open it once with ?token=<token>.');
    if (principal.role !== 'ADMIN') return refuse(res, 403, 'The dashboard is for ADMIN only.');
    if (fromQuery && principal.via === 'jwt' && !req.header('authorization')) {
      const maxAgeMs = Math.max(0, (principal.expiresAtMs ?? Date.now()) - Date.now());
      res.cookie(ADMIN_COOKIE, fromQuery, {
        httpOnly: true,
        sameSite: 'strict',
        secure: deps.secureCookie || req.secure,
        path: ADMIN_QUEUES_PATH,
        maxAge: maxAgeMs,
      });
      // the same address without the token, so it stays out of the history and later logs
      const url = new URL(req.originalUrl, 'http://local');
      url.searchParams.delete('token');
      res.redirect(303, url.pathname + url.search);
      return;
    }
    next();
  });
  router.use(board.getRouter() as Router);
  return router;
}
