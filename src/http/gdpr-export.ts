// GET /gdpr/export/<token>: the user's data as one JSON document, streamed as it is read (bounded
// memory whatever the ledger's size), honouring the socket's backpressure. The token, from
// `exportMyData`, is the credential: short-lived, stored only as a hash.
import express, { type Request, type Response, type Router } from 'express';
import type { Orm } from '../db/orm';
import { redeemExportToken, streamUserData, type ExportSink } from '../domain/gdpr/export-user-data';

/** A sink on the response: a write waits for 'drain' when the socket's buffer is full. */
function responseSink(res: Response): ExportSink {
  return {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (res.destroyed || res.writableEnded) return reject(new Error('the client went away'));
        if (res.write(chunk, 'utf8')) return resolve();
        const done = (err?: Error) => {
          res.off('drain', onDrain);
          res.off('close', onClose);
          if (err) reject(err);
          else resolve();
        };
        const onDrain = () => done();
        const onClose = () => done(new Error('the client went away'));
        res.once('drain', onDrain);
        res.once('close', onClose);
      }),
  };
}

export function createGdprExportRouter(deps: { orm: Orm }): Router {
  const router = express.Router();
  router.get('/:token', async (req: Request<{ token: string }>, res: Response) => {
    const em = deps.orm.em.fork();
    const link = await redeemExportToken(em, req.params.token).catch((err: Error) => {
      req.log.error({ err }, 'export link lookup failed');
      return undefined;
    });
    if (link === undefined) return void res.status(500).json({ error: 'internal error' });
    if (!link) return void res.status(404).json({ error: 'unknown or expired export link' });
    res.status(200);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="voicepartnerai-export-${link.userId}.json"`);
    res.setHeader('cache-control', 'no-store');
    try {
      const counts = await streamUserData(em, link.userId, responseSink(res));
      res.end();
      req.log.info({ exportId: link.exportId, userId: link.userId, counts }, 'personal data exported');
    } catch (err) {
      // the status line is out: cut the connection, so the client sees an incomplete download
      req.log.warn({ exportId: link.exportId, err: (err as Error).message }, 'export stream stopped');
      res.destroy();
    }
  });
  return router;
}
