// The web app's first load stays within 300 KB gzip: the page and everything it names (scripts,
// module preloads, style sheets) of the production build, measured by size, not by time.
import { defaultWebDistDir } from '../../src/http/web-app';
import { FIRST_LOAD_BUDGET_GZIP_BYTES, firstLoad } from '../../src/dev/web-size';
import { buildWebApp } from '../support/browser';

describe('the web app bundle', () => {
  it('the first load of /app is at most 300 KB gzip, and the explorer is not part of it', () => {
    buildWebApp();
    const app = firstLoad(defaultWebDistDir());
    expect(app.files.some((f) => f.file.startsWith('assets/') && f.file.endsWith('.js'))).toBe(true);
    expect(app.files.some((f) => /explorer|codemirror|graphiql/i.test(f.file))).toBe(false);
    expect(app.gzipBytes).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_GZIP_BYTES);
  });
});
