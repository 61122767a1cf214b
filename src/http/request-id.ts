import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../observability/logger';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const SANE = /^[A-Za-z0-9._-]{1,64}$/;

interface WithLogger {
  id: string;
  vpLogger?: Logger;
  vpLog?: Logger;
}

const installed = new WeakSet<object>();

/** req.log: the request's child logger, made when something first logs (most requests log nothing). */
function installLazyLog(proto: object): void {
  if (installed.has(proto)) return;
  installed.add(proto);
  Object.defineProperty(proto, 'log', {
    configurable: true,
    get(this: WithLogger): Logger {
      return (this.vpLog ??= this.vpLogger!.child({ requestId: this.id }));
    },
    set(this: WithLogger, v: Logger) {
      this.vpLog = v;
    },
  });
}

/** Every request gets an id (the caller's x-request-id when sane) and a logger that carries it. */
export function requestId(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    installLazyLog(Object.getPrototypeOf(req) as object);
    const given = req.header('x-request-id');
    req.id = given && SANE.test(given) ? given : randomUUID();
    (req as unknown as WithLogger).vpLogger = logger;
    res.setHeader('x-request-id', req.id);
    next();
  };
}
