import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CATALOG_FIRST_PAGE } from '../src/lib/first-page.ts';
import { web } from './app.ts';
import { IMMUTABLE, REVALIDATE, SHORT } from './static.ts';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head></html>';
const SCRIPT = 'console.log("shop");'.repeat(50);

function builtSpa() {
  const root = mkdtempSync(join(tmpdir(), 'web-static-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'assets', 'index-abc123.js'), SCRIPT);
  writeFileSync(join(root, 'assets', 'index-abc123.js.gz'), gzipSync(SCRIPT));
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return root;
}

const PRELOAD_TAGS = /<link rel="(?:module)?preload"[^>]*>/g;

/** Vite's manifest of a build whose order page imports a chunk the entry shares and one of its own. */
const MANIFEST = {
  'index.html': { file: 'assets/index-abc123.js', isEntry: true, imports: ['_solid-1.js'] },
  '_solid-1.js': { file: 'assets/solid-1.js' },
  '_time-1.js': { file: 'assets/time-1.js' },
  'src/shop/OrderPage.tsx': { file: 'assets/OrderPage-1.js', imports: ['_solid-1.js', '_time-1.js'] },
  'src/shop/CartPage.tsx': { file: 'assets/CartPage-1.js', imports: ['_solid-1.js'] },
};

function builtSpaWithManifest() {
  const root = builtSpa();
  mkdirSync(join(root, '.vite'));
  writeFileSync(join(root, '.vite', 'manifest.json'), JSON.stringify(MANIFEST));
  return root;
}

const preloadsOf = (html: string) => html.match(PRELOAD_TAGS) ?? [];

function start(root = builtSpa()) {
  return web.create({ env: { LOG_LEVEL: 'silent', STATIC_DIR: root } }).app;
}

describe('serving the SPA', () => {
  it('serves hashed assets for a year, immutable, precompressed when accepted', async () => {
    const app = start();
    const plain = await app.request('/assets/index-abc123.js');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(plain.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await plain.text()).toBe(SCRIPT);
    const gz = await app.request('/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.headers.get('vary')).toBe('Accept-Encoding');
    expect(Number(gz.headers.get('content-length'))).toBeLessThan(SCRIPT.length);
  });

  it('answers index.html for / and every client route, revalidated each time, 304 when unchanged', async () => {
    const app = start();
    for (const path of ['/', '/index.html', '/products/p-1', '/orders/o-1?token=abc', '/admin/stock']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(res.headers.get('cache-control'), path).toBe(REVALIDATE);
      // The shop's routes add their preloads (below) to the head; the page is the same otherwise.
      expect((await res.text()).replace(PRELOAD_TAGS, ''), path).toBe(INDEX);
    }
    const etag = (await app.request('/cart')).headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await app.request('/cart', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it("puts a shop route's chunks and first API answers in its page's head, each page its own ETag", async () => {
    const app = start(builtSpaWithManifest());
    const order = await (await app.request('/orders/o-1')).text();
    // The page's chunk and the chunk only it imports; the shared one is the entry's already.
    expect(preloadsOf(order)).toEqual([
      '<link rel="modulepreload" crossorigin href="/assets/OrderPage-1.js">',
      '<link rel="modulepreload" crossorigin href="/assets/time-1.js">',
    ]);
    expect(order.indexOf('OrderPage-1.js')).toBeLessThan(order.indexOf('</head>'));
    // The product page is in the entry: only its answers (no function here to put them in the page).
    const product = await (await app.request('/products/p-1')).text();
    expect(preloadsOf(product)).toEqual([
      '<link rel="preload" as="fetch" crossorigin href="/api/catalog/products/p-1">',
      '<link rel="preload" as="fetch" crossorigin href="/api/inventory/stock/p-1">',
    ]);
    const home = await (await app.request('/')).text();
    expect(preloadsOf(home)).toEqual([
      `<link rel="preload" as="fetch" crossorigin href="/api/catalog/products?limit=${CATALOG_FIRST_PAGE}">`,
      '<link rel="preload" as="fetch" crossorigin href="/api/catalog/categories">',
    ]);
    expect(preloadsOf(await (await app.request('/cart')).text())).toEqual([
      '<link rel="modulepreload" crossorigin href="/assets/CartPage-1.js">',
    ]);
    // A search asks the API for another URL: nothing to preload. The admin area loads on demand.
    for (const path of ['/?q=mug', '/?category=Kitchen', '/admin/stock', '/index.html', '/checkout']) {
      expect(preloadsOf(await (await app.request(path)).text()), path).toEqual([]);
    }
    const productTag = (await app.request('/products/p-1')).headers.get('etag');
    const homeTag = (await app.request('/')).headers.get('etag');
    expect(productTag).not.toBe(homeTag);
    // Compressed on the way out, the tag comes back weak: still this page.
    const weak = await app.request('/products/p-1', { headers: { 'if-none-match': `W/${productTag}` } });
    expect(weak.status).toBe(304);
  });

  it('preloads no answer for an id the API would refuse, and never echoes one into the page', async () => {
    const app = start(builtSpaWithManifest());
    for (const id of [
      '%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '-starts-with-a-dash',
      '%E0%A4%A',
      'a%2Fb',
    ]) {
      const page = await (await app.request(`/products/${id}`)).text();
      expect(page, id).not.toContain('/api/');
      expect(page, id).not.toContain('alert');
    }
    const colon = await (await app.request('/products/sku:1')).text();
    // Encoded as the app encodes it (encodeURIComponent), or the preload would go unused.
    expect(colon).toContain('href="/api/catalog/products/sku%3A1"');
  });

  it("keeps the build's manifest to itself", async () => {
    const app = start(builtSpaWithManifest());
    const res = await app.request('/.vite/manifest.json');
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('OrderPage');
  });

  it('compresses the page and every other text answer when the browser takes it', async () => {
    const root = builtSpaWithManifest();
    // A page over the 1 KiB threshold below which compressing does not pay.
    writeFileSync(
      join(root, 'index.html'),
      INDEX.replace('</head>', `<meta name="x" content="${'y'.repeat(2000)}"></head>`),
    );
    const app = start(root);
    const res = await app.request('/orders/o-1', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBeLessThan(1000);
    expect(gunzipSync(body).toString()).toContain('OrderPage-1.js');
    const plain = await app.request('/orders/o-1');
    expect(plain.headers.get('content-encoding')).toBeNull();
  });

  it('inlines the stylesheet into the page and allows exactly it by hash in the CSP', async () => {
    const root = builtSpa();
    const css = 'body{margin:0}.card{padding:1rem}';
    writeFileSync(join(root, 'assets', 'index-def456.css'), css);
    writeFileSync(
      join(root, 'index.html'),
      INDEX.replace('</head>', '<link rel="stylesheet" crossorigin href="/assets/index-def456.css"></head>'),
    );
    const res = await start(root).request('/cart');
    const page = await res.text();
    expect(page).toContain(`<style>${css}</style>`);
    expect(page).not.toContain('rel="stylesheet"');
    const csp = res.headers.get('content-security-policy')!;
    const hash = createHash('sha256').update(css).digest('base64');
    expect(csp).toMatch(new RegExp(`style-src 'self' 'sha256-${hash.replace(/[+/]/g, '\\$&')}'`));
    expect(csp).not.toContain('unsafe-inline');
  });

  it('leaves a stylesheet that could end the style element early as a file', async () => {
    const root = builtSpa();
    writeFileSync(join(root, 'assets', 'index-bad.css'), 'a::after{content:"</style><script>"}');
    const link = '<link rel="stylesheet" crossorigin href="/assets/index-bad.css">';
    writeFileSync(join(root, 'index.html'), INDEX.replace('</head>', `${link}</head>`));
    const res = await start(root).request('/');
    expect(await res.text()).toContain(link);
    expect(res.headers.get('content-security-policy')).not.toContain('sha256-');
  });

  it("puts the page's icon into it as a data URL the CSP allows, and keeps serving the file", async () => {
    const root = builtSpa();
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>A & "B"</title></svg>';
    writeFileSync(join(root, 'favicon.svg'), `${svg}\n`);
    const icon = '<link rel="icon" href="/favicon.svg" type="image/svg+xml" />';
    writeFileSync(join(root, 'index.html'), INDEX.replace('</head>', `${icon}</head>`));
    const app = start(root);
    const res = await app.request('/');
    const page = await res.text();
    const href = /<link rel="icon" href="([^"]*)" type="image\/svg\+xml">/.exec(page)?.[1];
    expect(href).toBe(`data:image/svg+xml,${encodeURIComponent(svg)}`);
    expect(decodeURIComponent(href!.slice(href!.indexOf(',') + 1))).toBe(svg);
    expect(res.headers.get('content-security-policy')).toContain("img-src 'self' data:");
    expect((await app.request('/favicon.svg')).status).toBe(200);
  });

  it('leaves the icon a link to its file when the file is missing', async () => {
    const root = builtSpa();
    const icon = '<link rel="icon" href="/gone.svg" type="image/svg+xml" />';
    writeFileSync(join(root, 'index.html'), INDEX.replace('</head>', `${icon}</head>`));
    expect(await (await start(root).request('/')).text()).toContain(icon);
  });

  it('answers 404 problems for missing files instead of the page', async () => {
    const app = start();
    for (const path of ['/assets/gone-123.js', '/assets/nested', '/robots.txt', '/logo.png']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
  });

  it('serves public files with a short cache and refuses path tricks', async () => {
    const app = start();
    const icon = await app.request('/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe(SHORT);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    for (const path of ['/assets/..%2f..%2fetc%2fpasswd', '/assets/%2e%2e%2f%2e%2e%2fetc/passwd.js']) {
      const res = await app.request(path);
      expect(res.status, path).toBe(404);
    }
  });

  it('sends a strict Content-Security-Policy and the other security headers', async () => {
    const app = start();
    const res = await app.request('/');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('permissions-policy')).toContain('camera=()');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    // Behind the load balancer that ends TLS: HSTS.
    const https = await app.request('/', { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}; includeSubDomains/);
  });

  it('never opens a database: web owns no data', async () => {
    const fn = web.create({ env: { LOG_LEVEL: 'silent', STATIC_DIR: builtSpa() } });
    for (const path of [
      '/',
      '/assets/index-abc123.js',
      '/healthz',
      '/readyz',
      '/api/orders/x',
      '/nope.png',
    ]) {
      await fn.app.request(path);
    }
    await fn.rt.outbox.sweep();
    expect(fn.rt.dbLoaded).toBe(false);
  });

  it('answers 503 for client routes when the SPA was not built, and keeps its probes', async () => {
    const app = start(mkdtempSync(join(tmpdir(), 'web-empty-')));
    expect((await app.request('/')).status).toBe(503);
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });
});
