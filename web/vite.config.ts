/**
 * @module Vite for the SPA: builds web/ into web/dist/public (served by web/server). In development
 * (`vite` in web/), `/api` is proxied to a running web server (WEB_API_ORIGIN, default
 * http://127.0.0.1:8080, what `npm start` serves), which forwards to the functions.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [solid()],
  build: {
    outDir: 'dist/public',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser we serve supports <link rel="modulepreload">: no polyfill in the entry.
    modulePreload: { polyfill: false },
    // .vite/manifest.json: which chunks each route's page needs, for web's preloads (server/preloads.ts).
    manifest: true,
    reportCompressedSize: false,
    // Quiet builds: rolldown's per-plugin timing report is not for every build.
    rolldownOptions: {
      checks: { pluginTimings: false },
      output: {
        codeSplitting: {
          groups: [{ name: 'solid', test: /[\\/]node_modules[\\/]solid-js[\\/]/ }],
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: process.env.WEB_API_ORIGIN ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
