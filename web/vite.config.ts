// The web app's build: two pages — the dashboard (index.html, served at /app) and the GraphiQL
// explorer (explorer.html, served at /explorer) — into ../dist-web, every asset under /app/assets.
// Nothing is loaded from a CDN at run time. `npm run web:dev` proxies the API on :4000.
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: __dirname,
  base: '/app/',
  plugins: [react()],
  build: {
    outDir: resolve(__dirname, '../dist-web'),
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: { index: resolve(__dirname, 'index.html'), explorer: resolve(__dirname, 'explorer.html') },
    },
  },
  server: {
    proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true }, '/gdpr': 'http://127.0.0.1:4000' },
  },
});
