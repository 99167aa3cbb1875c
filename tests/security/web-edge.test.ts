/**
 * web as the public edge: the SPA's security headers and strict Content-Security-Policy, CORS
 * closed on web and on every function, and `POST /api/orders` held to a rate per client (429
 * problem+json with Retry-After) in front of a real orders function on the emulator.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Product } from '@stockflow/contracts';
import { serveFunction } from '@stockflow/kit';
import { cloudEventRequest, testEnv } from '@stockflow/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../functions/catalog/src/app.ts';
import { inventory } from '../../functions/inventory/src/app.ts';
import { ledger } from '../../functions/ledger/src/app.ts';
import { orders } from '../../functions/orders/src/app.ts';
import { web } from '../../web/server/app.ts';
import { expectProblem } from '../hostile/harness.ts';
import { shopper } from '../system/shopper.ts';

const EVIL = 'https://evil.example';
const ADMIN_TOKEN = 'test-admin-token-0123456789';
const spaDir = mkdtempSync(join(tmpdir(), 'stockflow-spa-'));
writeFileSync(
  join(spaDir, 'index.html'),
  '<!doctype html><script type="module" src="/assets/app.js"></script>',
);

function directives(csp: string | null): Map<string, string[]> {
  return new Map(
    (csp ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
}

describe("the SPA's security headers", () => {
  const app = web.create({ env: { LOG_LEVEL: 'silent', STATIC_DIR: spaDir } }).app;

  it('holds every page to a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/orders/abc?token=x', '/admin']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('default-src')).toEqual(["'self'"]);
      expect(csp.get('script-src')).toEqual(["'self'"]);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
      expect(csp.get('base-uri')).toEqual(["'self'"]);
      expect(csp.get('form-action')).toEqual(["'self'"]);
      for (const values of csp.values()) {
        expect(values).not.toContain("'unsafe-inline'");
        expect(values).not.toContain("'unsafe-eval'");
        expect(values).not.toContain('*');
      }
    }
  });

  it('sends the other security headers on pages and API answers alike', async () => {
    for (const path of ['/', '/api/nowhere']) {
      const res = await app.request(path, { headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('permissions-policy')).toContain('camera=()');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('builds an SPA that needs nothing inline (no inline script or style the CSP would block)', () => {
    let built: string;
    try {
      built = readFileSync(join(import.meta.dirname, '../../web/dist/public/index.html'), 'utf8');
    } catch {
      return; // not built in this checkout: `npm test` builds before it tests
    }
    expect(built).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(built).not.toMatch(/\son[a-z]+=/i);
    expect(built).not.toMatch(/<style/i);
  });
});

describe('CORS is closed by default', () => {
  const apps = {
    web: web.create({ env: { LOG_LEVEL: 'silent', STATIC_DIR: spaDir } }).app,
    catalog: catalog.create({ env: testEnv('cors-catalog', { ADMIN_TOKEN }) }).app,
    inventory: inventory.create({ env: testEnv('cors-inventory', { ADMIN_TOKEN }) }).app,
    orders: orders.create({ env: testEnv('cors-orders', { ADMIN_TOKEN }) }).app,
    ledger: ledger.create({ env: testEnv('cors-ledger', { ADMIN_TOKEN }) }).app,
  };
  const paths: Record<keyof typeof apps, string> = {
    web: '/',
    catalog: '/products',
    inventory: '/stock/p-1',
    orders: '/some-order',
    ledger: '/dead-letters',
  };

  it.each(Object.keys(apps) as (keyof typeof apps)[])(
    '%s gives a cross-origin request no Access-Control-Allow-Origin and refuses the preflight',
    async (name) => {
      const app = apps[name];
      const path = paths[name];
      const simple = await app.request(path, { headers: { origin: EVIL } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
      expect(simple.headers.get('access-control-allow-credentials')).toBeNull();
      const preflight = await app.request(path, {
        method: 'OPTIONS',
        headers: {
          origin: EVIL,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(preflight.status).toBeGreaterThanOrEqual(400);
      for (const header of ['origin', 'methods', 'headers', 'credentials']) {
        expect(preflight.headers.get(`access-control-allow-${header}`)).toBeNull();
      }
    },
  );
});

describe('POST /api/orders is rate-limited per client', () => {
  const product: Product = {
    id: 'p-rate',
    sku: 'SKU-RATE',
    name: 'Rate',
    priceCents: 100,
    currency: 'EUR',
    status: 'active',
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  const order = JSON.stringify({
    items: [{ productId: product.id, quantity: 1 }],
    customer: shopper('Ada', 'ada@example.com'),
  });
  const stops: Array<() => Promise<void>> = [];
  let upstream: string;

  beforeAll(async () => {
    const fn = orders.create({ env: testEnv('rate-orders', { ADMIN_TOKEN }) });
    const created = await fn.app.request(
      '/events',
      cloudEventRequest({ type: 'io.stockflow.product.created', source: '/catalog', data: product }),
    );
    expect(created.status).toBe(202);
    const serving = await serveFunction(fn, { port: 0, hostname: '127.0.0.1' });
    stops.push(async () => {
      await serving.shutdown();
      await fn.rt.close();
    });
    upstream = `http://127.0.0.1:${serving.port}`;
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  async function startWeb(env: Record<string, string>) {
    const fn = web.create({
      env: { LOG_LEVEL: 'silent', STATIC_DIR: spaDir, UPSTREAM_ORDERS: upstream, ...env },
    });
    const serving = await serveFunction(fn, { port: 0, hostname: '127.0.0.1' });
    stops.push(() => serving.shutdown());
    return `http://127.0.0.1:${serving.port}`;
  }

  const place = (base: string, path = '/api/orders', headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: order,
    });

  async function placedCount(): Promise<number> {
    const res = await fetch(`${upstream}/?limit=100`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    return ((await res.json()) as { items: unknown[] }).items.length;
  }

  it('answers the request over the limit 429 problem+json with Retry-After, and never forwards it', async () => {
    const base = await startWeb({ ORDER_RATE_LIMIT: '3' });
    const before = await placedCount();
    const statuses = [];
    // Every spelling that reaches orders' POST / counts against one budget.
    for (const path of ['/api/orders', '/api/orders/', '/api/orders'])
      statuses.push((await place(base, path)).status);
    expect(statuses).toEqual([202, 202, 202]);
    // Spoofed forwarding headers change nothing when no proxy is trusted.
    const refused = await place(base, '/api/orders/', { 'x-forwarded-for': '203.0.113.9' });
    const problem = await expectProblem(refused, [429]);
    expect(problem.title).toBe('Too Many Requests');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await placedCount()).toBe(before + 3);
    // Reading an order is not placing one: not limited.
    expect((await fetch(`${base}/api/orders/unknown`)).status).toBe(404);
  });

  it('keys clients by the address the trusted proxy saw, not by what the client claims', async () => {
    const base = await startWeb({ ORDER_RATE_LIMIT: '1', TRUSTED_PROXY_HOPS: '1' });
    const from = (client: string, claimed?: string) => ({
      'x-forwarded-for': claimed ? `${claimed}, ${client}` : client,
    });
    expect((await place(base, '/api/orders', from('198.51.100.1'))).status).toBe(202);
    expect((await place(base, '/api/orders', from('198.51.100.2'))).status).toBe(202);
    // The same client with a made-up address in front of its own: still the same client.
    expect((await place(base, '/api/orders', from('198.51.100.1', '192.0.2.77'))).status).toBe(429);
  });

  it('can be turned off (ORDER_RATE_LIMIT=0)', async () => {
    const base = await startWeb({ ORDER_RATE_LIMIT: '0' });
    const statuses = await Promise.all([1, 2, 3].map(() => place(base).then((res) => res.status)));
    expect(statuses).toEqual([202, 202, 202]);
  });
});

describe("web never forwards Knative's endpoints", () => {
  it('refuses forged events and dead letters however the path is spelled, and lets reads through', async () => {
    const seen: string[] = [];
    const { createServer } = await import('node:http');
    const upstream = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as import('node:net').AddressInfo).port}`;
    const app = web.create({
      env: { LOG_LEVEL: 'silent', STATIC_DIR: spaDir, UPSTREAM_LEDGER: url, UPSTREAM_ORDERS: url },
    }).app;
    try {
      for (const path of [
        '/api/ledger/dead-letters',
        '/api/ledger/dead-letters/',
        '/api/ledger/Dead-Letters',
        '/api/ledger/%64ead-letters',
        '/api/ledger/x/%2e%2e/dead-letters',
        '/api/ledger/./dead-letters',
        '/api/orders/events',
        '/api/orders/x/%2e%2e/events',
        '/api/orders/%2e/events',
      ]) {
        const res = await app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        expect(res.status, path).toBe(404);
      }
      expect(seen).toEqual([]);
      // The ledger's event explorer and dead-letter admin routes are API, not Knative's.
      for (const [method, path] of [
        ['GET', '/api/ledger/events?type=x'],
        ['GET', '/api/ledger/events/stream'],
        ['POST', '/api/ledger/dead-letters/replay'],
        ['GET', '/api/ledger/dead-letters'],
      ] as const) {
        expect((await app.request(path, { method })).status, path).toBe(200);
      }
      expect(seen).toHaveLength(4);
    } finally {
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});
