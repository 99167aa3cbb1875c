/**
 * @module Serving the built SPA: hashed assets cached for a year (immutable), index.html revalidated
 * on every load (`no-cache` with an ETag), precompressed files when the browser takes them, and
 * index.html for every client route, so a shared link such as `/orders/<id>?token=…` opens the app,
 * with the route's preloads in its head (preloads.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Problem, type StockflowApp } from '@stockflow/kit';
import type { MiddlewareHandler } from 'hono';
import { preloadTags, readManifest } from './preloads.ts';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';
/** Unhashed files from web/public (favicon, robots.txt): may change between releases. */
export const SHORT = 'public, max-age=3600';

const etagOf = (body: string) => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

function readIndex(root: string): string | undefined {
  try {
    return readFileSync(join(root, 'index.html'), 'utf8');
  } catch {
    return undefined;
  }
}

/** index.html with a route's preloads (preloads.ts) at the end of its head. */
function pageFor(index: string, tags: string): string {
  return tags ? index.replace('</head>', `${tags}</head>`) : index;
}

/** A client route rather than a file: the last segment has no extension. */
const isClientRoute = (path: string) => !/\.[a-z0-9]+$/i.test(path.slice(path.lastIndexOf('/') + 1));

export function mountSpa(app: StockflowApp, root: string): { indexFound: boolean } {
  const index = readIndex(root);
  const manifest = readManifest(root);
  const serveFile = serveStatic({ root, precompressed: true });
  /** Serves the file when there is one, with the given caching. */
  const files = (cacheControl: string): MiddlewareHandler =>
    async function serveCachedFile(c, next) {
      const res = await serveFile(c, next);
      // A Response when the file was served; otherwise it called next() and c.res is another's.
      if (res instanceof Response) res.headers.set('Cache-Control', cacheControl);
      return res;
    };
  const assets = files(IMMUTABLE);
  const publicFiles = files(SHORT);
  const isIndex = (path: string) => path === '/' || path === '/index.html';

  app.get('/assets/*', assets);
  app.get('*', function servePublicFile(c, next) {
    // Dot-folders (the build's .vite/manifest.json) are the server's to read, not the browser's.
    const own = isIndex(c.req.path) || c.req.path.startsWith('/assets/') || c.req.path.includes('/.');
    return own ? next() : publicFiles(c, next);
  });
  app.get('*', function serveSpa(c) {
    const path = c.req.path;
    if (!isIndex(path) && (path.startsWith('/assets/') || !isClientRoute(path))) {
      throw new Problem(404, 'Not Found', { detail: `No file at ${path}.` });
    }
    if (!index) {
      throw new Problem(503, 'Service Unavailable', { detail: 'The web app has not been built.' });
    }
    const body = pageFor(index, preloadTags(manifest, path, new URL(c.req.url).search));
    // Each route's page has its own tags, so its own ETag (compression weakens it: W/ matches too).
    const etag = etagOf(body);
    c.header('Cache-Control', REVALIDATE);
    c.header('ETag', etag);
    const known = c.req.header('if-none-match')?.split(/\s*,\s*/) ?? [];
    if (known.includes(etag) || known.includes(`W/${etag}`)) return c.body(null, 304);
    return c.html(body);
  });
  return { indexFound: Boolean(index) };
}
