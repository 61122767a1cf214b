// What a browser loads first from the built web app (dist-web/index.html: its scripts, module
// preloads and style sheets), with gzip sizes — the budget is 300 KB gzip. The explorer is a page
// of its own and not part of it. `npm run size:web` prints the table; test/e2e/bundle-size.test.ts
// holds the budget.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const FIRST_LOAD_BUDGET_GZIP_BYTES = 300 * 1024;

export interface LoadedFile {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** The files index.html (or another page) makes the browser fetch before the app runs. */
export function firstLoad(distDir: string, pageFile = 'index.html'): { files: LoadedFile[]; bytes: number; gzipBytes: number } {
  const html = readFileSync(join(distDir, pageFile), 'utf8');
  const urls = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => u.startsWith('/app/'));
  const files = [pageFile, ...new Set(urls.map((u) => u.slice('/app/'.length)))].map((file) => {
    const body = readFileSync(join(distDir, file));
    return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  });
  return { files, bytes: files.reduce((a, f) => a + f.bytes, 0), gzipBytes: files.reduce((a, f) => a + f.gzipBytes, 0) };
}
