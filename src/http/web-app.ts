// The web app (web/, built by `npm run build:web` into dist-web/) at /app — a single-page app, so
// every path under /app that is not a file answers its index.html — and the GraphiQL explorer at
// /explorer (off in production unless EXPLORER_ENABLED). Static files only: no CDN, no server-side
// rendering; the app talks to /graphql over HTTP and WebSocket like any other client.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';

/** The checkout's root (the nearest folder with a package.json), from src/ or dist/src/. */
function packageRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
  return dir;
}

export function defaultWebDistDir(): string {
  return join(packageRoot(), 'dist-web');
}

export interface WebAppOptions {
  /** The folder `npm run build:web` writes (index.html, explorer.html, assets/). */
  distDir: string;
  explorer: boolean;
}

const notBuilt = (res: Response, distDir: string) =>
  res
    .status(503)
    .type('text/plain')
    .send(`The web app is not built (no ${join(distDir, 'index.html')}): run \`npm run build:web\` (npm ci and npm start do it).\n`);

/** Routers for /app and /explorer. */
export function createWebAppRouters(opts: WebAppOptions): { app: Router; explorer: Router | null } {
  const index = join(opts.distDir, 'index.html');
  const app = express.Router();
  // hashed assets may be cached for ever; the HTML never (it names the current assets)
  app.use('/assets', express.static(join(opts.distDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  if (!opts.explorer) app.get('/explorer.html', (_req: Request, res: Response) => void res.status(404).json({ error: 'not found' }));
  app.use(express.static(opts.distDir, { index: false, maxAge: 0 }));
  app.get('/{*rest}', (_req: Request, res: Response) => {
    if (!existsSync(index)) return void notBuilt(res, opts.distDir);
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  let explorer: Router | null = null;
  if (opts.explorer) {
    explorer = express.Router();
    const page = join(opts.distDir, 'explorer.html');
    explorer.get('/', (_req: Request, res: Response) => {
      if (!existsSync(page)) return void notBuilt(res, opts.distDir);
      res.setHeader('cache-control', 'no-cache');
      res.sendFile(page);
    });
  }
  return { app, explorer };
}
