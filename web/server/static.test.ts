import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
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
      expect(await res.text(), path).toBe(INDEX);
    }
    const etag = (await app.request('/')).headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await app.request('/cart', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
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
