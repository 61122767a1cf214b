// POST /webhooks/stripe: the raw body is verified (tolerance 300 s), the event stored once by its id
// and answered 2xx at once; a job processes it. If Redis is down the event is still stored and
// answered; the worker's sweep enqueues it later.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { limits } from '../config/limits';
import type { Orm } from '../db/orm';
import type { Logger } from '../observability/logger';
import type { EventJobs } from '../domain/ports';
import { verifyWebhook, type Stripe } from './client';
import { storeEvent } from './inbox';
import { withTimeout } from '../shared/time';

const ENQUEUE_TIMEOUT_MS = 1000;

export interface WebhookRouteDeps {
  orm: Orm;
  stripe: Stripe;
  webhookSecret: string;
  /** The job that processes a stored event (src/queues: one per event id). */
  jobs: EventJobs;
  logger: Logger;
}

/** Stripe's SDK bounds only a signature's age; one dated in the future is bounded the same way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function withinSkew(signature: string, nowMs: number): boolean {
  const t = /(?:^|,)\s*t=(\d+)/.exec(signature)?.[1];
  if (!t) return false;
  return Math.abs(nowMs / 1000 - Number(t)) <= SIGNATURE_TOLERANCE_SECONDS;
}

export function createWebhookRouter(deps: WebhookRouteDeps): Router {
  const router = express.Router();
  router.post('/', express.raw({ type: () => true, limit: limits.requestBodyBytesMax }), async (req: Request, res: Response) => {
    const signature = req.header('stripe-signature');
    let event: Stripe.Event;
    try {
      if (!signature || !Buffer.isBuffer(req.body)) throw new Error('no signature or body');
      event = verifyWebhook(deps.stripe, req.body, signature, deps.webhookSecret);
      if (!withinSkew(signature, Date.now())) throw new Error('signature timestamp outside the tolerance');
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'stripe webhook refused: bad signature or body');
      res.status(400).json({ error: 'invalid signature or payload' });
      return;
    }
    const em = deps.orm.em.fork();
    const isNew = await storeEvent(em, event);
    // stored: safe whatever Redis or the worker do, so Stripe gets its answer now; the job is
    // enqueued after it (a failed or slow enqueue is left to the sweep of stored events)
    res.status(200).json({ received: true });
    req.log.info({ eventId: event.id, type: event.type, duplicate: !isNew }, 'stripe webhook received');
    try {
      await withTimeout(deps.jobs.enqueue(event.id), ENQUEUE_TIMEOUT_MS, 'enqueue timed out');
    } catch (err) {
      req.log.warn({ eventId: event.id, err: (err as Error).message }, 'stripe webhook stored but not enqueued; the sweep will');
    }
  });
  // a body over the limit or unreadable: JSON like every other answer of the HTTP layer
  router.use((err: Error & { type?: string; status?: number }, _req: Request, res: Response, next: NextFunction) => {
    if (err.type === 'entity.too.large') return void res.status(413).json({ error: `the body is larger than ${limits.requestBodyBytesMax} bytes` });
    if (err.status && err.status < 500) return void res.status(err.status).json({ error: 'the body could not be read' });
    next(err);
  });
  return router;
}
