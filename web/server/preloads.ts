/**
 * @module What a shop page's HTML asks the browser to fetch at once, before the app's code runs: the
 * screen's own chunks (`<link rel=modulepreload>`, from Vite's build manifest) and its first API
 * answers (`<link rel=preload as=fetch>`). Without them each waits for the code before it (the entry,
 * then the route's chunk, then the answer), a round trip each on a phone's network, all before the
 * page's largest paint. Only the shop's routes: the admin area loads on demand.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG_FIRST_PAGE } from '../src/lib/first-page.ts';

/** One chunk of Vite's manifest (`.vite/manifest.json`, `build.manifest`). */
interface ManifestChunk {
  file: string;
  imports?: string[];
  isEntry?: boolean;
}
export type ViteManifest = Record<string, ManifestChunk>;

/** The manifest the build wrote beside index.html, or undefined (a test's fake SPA has none). */
export function readManifest(root: string): ViteManifest | undefined {
  try {
    return JSON.parse(readFileSync(join(root, '.vite', 'manifest.json'), 'utf8')) as ViteManifest;
  } catch {
    return undefined;
  }
}

/** Ids as the contracts allow them (events.ts): anything else gets no preload, only the page. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/**
 * A shop route's preloads: its page module (the key in Vite's manifest, as routes.tsx imports it)
 * and the API paths its page asks for first, exactly as web/src/lib/api.ts spells them (a preload
 * is used only by a request for the very same URL). `routes.test.ts` holds both to routes.tsx.
 */
export interface RoutePreload {
  /** The client route, as routes.tsx names it. */
  route: string;
  /** The page's source module (undefined: it is in the entry already). */
  module?: string;
  /** The page's first API requests, given the route's `:id` (checked, then URL-encoded as api.ts does). */
  api?: (id: string) => string[];
}

/**
 * The shop's front page lists products at once (Catalog.tsx's first page: no search, no cursor) and
 * its categories; a product page asks for the product and its availability.
 */
export const ROUTE_PRELOADS: readonly RoutePreload[] = [
  { route: '/', api: () => [`/api/catalog/products?limit=${CATALOG_FIRST_PAGE}`, '/api/catalog/categories'] },
  { route: '/products/:id', api: (id) => [`/api/catalog/products/${id}`, `/api/inventory/stock/${id}`] },
  { route: '/cart', module: 'src/shop/CartPage.tsx' },
  { route: '/checkout' },
  { route: '/orders/:id', module: 'src/shop/OrderPage.tsx' },
];

/** The route's pattern as a regular expression, `:id` capturing one path segment. */
function matcher(route: string): RegExp {
  const source = route.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(':id', '([^/]+)');
  return new RegExp(`^${source}/?$`);
}

const MATCHERS = ROUTE_PRELOADS.map((preload) => ({ preload, pattern: matcher(preload.route) }));

/** The listed route a path is, and its `:id` segment. */
const routeOf = (path: string) =>
  MATCHERS.map(({ preload, pattern }) => ({ preload, found: pattern.exec(path) })).find(({ found }) => found);

/** The chunk files a module needs, itself first, then what it imports statically (depth first). */
function chunkFiles(manifest: ViteManifest, key: string, seen = new Set<string>()): string[] {
  const chunk = manifest[key];
  if (!chunk || seen.has(key)) return [];
  seen.add(key);
  return [chunk.file, ...(chunk.imports ?? []).flatMap((imported) => chunkFiles(manifest, imported, seen))];
}

/** What index.html loads already: the entry and its static imports (Vite writes those tags). */
function entryFiles(manifest: ViteManifest): Set<string> {
  const entries = Object.keys(manifest).filter((key) => manifest[key]!.isEntry);
  return new Set(entries.flatMap((key) => chunkFiles(manifest, key)));
}

/**
 * The `<link>` tags for a request's path and query: none for a route not listed, for a search or
 * filter of the front page (the app asks for another URL then), for an id the API would refuse, or
 * for an answer the page carries already.
 */
export function preloadTags(
  manifest: ViteManifest | undefined,
  path: string,
  search: string,
  /** Answers already in the page (first-answers.ts): nothing to preload. */
  inPage: readonly string[] = [],
): string {
  const match = routeOf(path);
  if (!match?.found) return '';
  const { preload } = match;
  const tags: string[] = [];
  if (preload.module && manifest) {
    const inEntry = entryFiles(manifest);
    for (const file of chunkFiles(manifest, preload.module)) {
      if (!inEntry.has(file)) tags.push(`<link rel="modulepreload" crossorigin href="/${file}">`);
    }
  }
  // `crossorigin` (anonymous): the mode and credentials of the app's own fetch(), or no match.
  for (const url of answersOf(preload, match.found[1], search)) {
    if (inPage.includes(url)) continue;
    tags.push(`<link rel="preload" as="fetch" crossorigin href="${url}">`);
  }
  return tags.join('');
}

/** The API answers a page at `path` and `search` asks for first, as the app spells their URLs. */
export function preloadedAnswers(path: string, search: string): string[] {
  const match = routeOf(path);
  return match?.found ? answersOf(match.preload, match.found[1], search) : [];
}

function answersOf(preload: RoutePreload, segment: string | undefined, search: string): string[] {
  if (!preload.api || search) return [];
  const id = segment === undefined ? '' : safeDecode(segment);
  if (id === undefined || (segment !== undefined && !SAFE_ID.test(id))) return [];
  return preload.api(encodeURIComponent(id));
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
