import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_ANSWERS_ELEMENT_ID } from '../src/lib/first-page.ts';
import { web } from './app.ts';
import { answersTag, FIRST_ANSWER_TIMEOUT_MS } from './first-answers.ts';
import { startUpstream, stopUpstreams } from './test-upstream.ts';

const INDEX = '<!doctype html><html><head><title>Shop</title></head><body><div id="app"></div></body></html>';

afterEach(stopUpstreams);

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

function startWeb(env: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'web-answers-'));
  writeFileSync(join(root, 'index.html'), INDEX);
  return web.create({ env: { LOG_LEVEL: 'silent', STATIC_DIR: root, ...env } }).app;
}

/** The answers a page carries, read as the app reads them. */
function answersIn(page: string): Record<string, unknown> | undefined {
  const found = new RegExp(
    `<script type="application/json" id="${FIRST_ANSWERS_ELEMENT_ID}">(.*?)</script>`,
  ).exec(page);
  return found ? (JSON.parse(found[1]!) as Record<string, unknown>) : undefined;
}

const PRELOADS = /<link rel="preload" as="fetch"[^>]*>/g;

describe("a shop page's first answers", () => {
  it('come in the page, fetched from the functions without the shopper’s cookies, with no preload left', async () => {
    let name = 'Desk Lamp';
    const catalog = await startUpstream((req, res) => json(res, 200, { id: 'p-1', name, url: req.url }));
    const inventory = await startUpstream((_req, res) => json(res, 200, { productId: 'p-1', available: 4 }));
    const app = startWeb({ UPSTREAM_CATALOG: catalog.url, UPSTREAM_INVENTORY: inventory.url });

    const res = await app.request('/products/p-1', { headers: { cookie: 'stockflow_staff=secret' } });
    const page = await res.text();
    expect(answersIn(page)).toEqual({
      '/api/catalog/products/p-1': { id: 'p-1', name: 'Desk Lamp', url: '/products/p-1' },
      '/api/inventory/stock/p-1': { productId: 'p-1', available: 4 },
    });
    expect(page.match(PRELOADS)).toBeNull();
    expect(catalog.seen[0]!.headers.cookie).toBeUndefined();
    expect(catalog.seen[0]!.headers.authorization).toBeUndefined();

    // The page is as fresh as its answers: a changed product is a new page, not a 304.
    const etag = res.headers.get('etag')!;
    expect((await app.request('/products/p-1', { headers: { 'if-none-match': etag } })).status).toBe(304);
    name = 'Desk Lamp, brass';
    const changed = await app.request('/products/p-1', { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(answersIn(await changed.text())?.['/api/catalog/products/p-1']).toMatchObject({ name });
  });

  it('leave an answer that fails, is slow or is not JSON to the app, with its preload', async () => {
    const catalog = await startUpstream((req, res) => {
      if (req.url === '/products/gone') return json(res, 404, { title: 'Not Found', status: 404 });
      if (req.url === '/categories') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<p>not json</p>');
      }
      setTimeout(() => json(res, 200, { items: [], nextCursor: null }), FIRST_ANSWER_TIMEOUT_MS + 200);
    });
    const inventory = await startUpstream((_req, res) => json(res, 200, { productId: 'gone', available: 0 }));
    const app = startWeb({ UPSTREAM_CATALOG: catalog.url, UPSTREAM_INVENTORY: inventory.url });

    const gone = await (await app.request('/products/gone')).text();
    expect(answersIn(gone)).toEqual({ '/api/inventory/stock/gone': { productId: 'gone', available: 0 } });
    expect(gone.match(PRELOADS)).toEqual([
      '<link rel="preload" as="fetch" crossorigin href="/api/catalog/products/gone">',
    ]);
    const started = performance.now();
    const home = await (await app.request('/')).text();
    expect(performance.now() - started).toBeLessThan(FIRST_ANSWER_TIMEOUT_MS + 150);
    expect(answersIn(home)).toBeUndefined();
    expect(home.match(PRELOADS)).toHaveLength(2);
  });

  it('ask nothing for a search, an id the API would refuse, or a page that needs none', async () => {
    const catalog = await startUpstream((_req, res) => json(res, 200, { items: [], nextCursor: null }));
    const app = startWeb({ UPSTREAM_CATALOG: catalog.url });
    for (const path of ['/?q=mug', '/products/%22%3E%3Cscript%3E', '/checkout', '/admin/stock']) {
      expect(answersIn(await (await app.request(path)).text()), path).toBeUndefined();
    }
    expect(catalog.seen).toHaveLength(0);
  });

  it('are escaped so that no text in them ends the element or starts markup', () => {
    const hostile = { name: '</script><script>alert(1)</script> & <!-- \u2028\u2029' };
    const tag = answersTag({ '/api/catalog/products/p-1': hostile });
    const inner = tag.slice(tag.indexOf('>') + 1, tag.lastIndexOf('</script>'));
    expect(inner).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(inner)).toEqual({ '/api/catalog/products/p-1': hostile });
    expect(answersTag({})).toBe('');
  });
});
