/**
 * @module Serving the built SPA: hashed assets cached for a year (immutable), index.html revalidated
 * on every load (`no-cache` with an ETag), precompressed files when the browser takes them, and
 * index.html for every client route, so a shared link such as `/orders/<id>?token=…` opens the app,
 * with the route's preloads (preloads.ts) and first API answers (first-answers.ts) in its head and
 * its stylesheet and icon inlined.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Problem, type StockflowApp } from '@stockflow/kit';
import type { MiddlewareHandler } from 'hono';
import { answersTag, type FetchAnswer, firstAnswers } from './first-answers.ts';
import { preloadedAnswers, preloadTags, readManifest, type ViteManifest } from './preloads.ts';

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

/** The built SPA as web serves it: index.html with its stylesheet inlined, and the build's manifest. */
export interface BuiltSpa {
  root: string;
  index: string | undefined;
  manifest: ViteManifest | undefined;
  /** CSP sources (`'sha256-…'`) of the inlined stylesheets, for `style-src`. */
  styleHashes: string[];
}

const STYLESHEET = /<link rel="stylesheet" crossorigin href="(\/assets\/[\w.-]+\.css)">/g;

/**
 * The entry's stylesheet moves into the page: a stylesheet blocks the first paint, and as a file it
 * costs the phone a request of its own once the HTML is in (Lighthouse: 150 ms on slow 4G). The CSP
 * allows exactly that text by its hash, so `style-src` stays without 'unsafe-inline'. A sheet that
 * could end the element early stays a file.
 */
function inlineStylesheets(index: string, root: string): { index: string; styleHashes: string[] } {
  const styleHashes: string[] = [];
  const inlined = index.replace(STYLESHEET, (tag, href: string) => {
    let css: string;
    try {
      css = readFileSync(join(root, href), 'utf8');
    } catch {
      return tag;
    }
    if (/<\/style/i.test(css)) return tag;
    styleHashes.push(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
    return `<style>${css}</style>`;
  });
  return { index: inlined, styleHashes };
}

const ICON = /<link rel="icon" href="\/([\w.-]+\.svg)" type="image\/svg\+xml"\s*\/?>/;

/**
 * The page's icon moves into it as a `data:` URL (the CSP's `img-src` allows `data:`): as a file
 * it is one more request on a phone's network while the page's own code is loading, competing for
 * the same few connections. The file stays (other pages, bookmarks); a missing one leaves the tag.
 */
function inlineIcon(index: string, root: string): string {
  return index.replace(ICON, (tag, file: string) => {
    let svg: string;
    try {
      svg = readFileSync(join(root, file), 'utf8').trim();
    } catch {
      return tag;
    }
    return `<link rel="icon" href="data:image/svg+xml,${encodeURIComponent(svg)}" type="image/svg+xml">`;
  });
}

export function readSpa(root: string): BuiltSpa {
  const raw = readIndex(root);
  const manifest = readManifest(root);
  if (raw === undefined) return { root, index: undefined, manifest, styleHashes: [] };
  return { root, manifest, ...inlineStylesheets(inlineIcon(raw, root), root) };
}

/** index.html with a route's preloads (preloads.ts) at the end of its head. */
function pageFor(index: string, tags: string): string {
  return tags ? index.replace('</head>', `${tags}</head>`) : index;
}

/** A client route rather than a file: the last segment has no extension. */
const isClientRoute = (path: string) => !/\.[a-z0-9]+$/i.test(path.slice(path.lastIndexOf('/') + 1));

export function mountSpa(
  app: StockflowApp,
  spa: BuiltSpa,
  /** Where a shop page's first API answers come from, to put them into the page (first-answers.ts). */
  fetchAnswer?: FetchAnswer,
): { indexFound: boolean } {
  const { root, index, manifest } = spa;
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
  app.get('*', async function serveSpa(c) {
    const path = c.req.path;
    if (!isIndex(path) && (path.startsWith('/assets/') || !isClientRoute(path))) {
      throw new Problem(404, 'Not Found', { detail: `No file at ${path}.` });
    }
    if (!index) {
      throw new Problem(503, 'Service Unavailable', { detail: 'The web app has not been built.' });
    }
    const search = new URL(c.req.url).search;
    const wanted = fetchAnswer ? preloadedAnswers(path, search) : [];
    const answers = wanted.length ? await firstAnswers(wanted, fetchAnswer!) : {};
    const tags = preloadTags(manifest, path, search, Object.keys(answers)) + answersTag(answers);
    const body = pageFor(index, tags);
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
