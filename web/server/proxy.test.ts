import { tmpdir } from 'node:os';
import { serveFunction } from '@stockflow/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { web } from './app.ts';
import { isInternalPath } from './proxy.ts';
import { startUpstream, stopUpstreams } from './test-upstream.ts';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
  await stopUpstreams();
});

async function startWeb(env: Record<string, string>) {
  const fn = web.create({ env: { LOG_LEVEL: 'silent', STATIC_DIR: tmpdir(), ...env } });
  const serving = await serveFunction(fn, { port: 0, hostname: '127.0.0.1' });
  cleanup.push(() => serving.shutdown());
  return `http://127.0.0.1:${serving.port}`;
}

describe('forwarding /api/<function>/…', () => {
  it('passes method, path, query, body and the allowed headers, and nothing else', async () => {
    const orders = await startUpstream();
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    const res = await fetch(`${base}/api/orders/o-1/cancel?x=1&y=two`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer order-token',
        'idempotency-key': 'k-1',
        'content-type': 'application/json',
        accept: 'application/json',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        cookie: 'secret=1',
        'x-internal': 'nope',
        'proxy-authorization': 'Basic abc',
      },
      body: JSON.stringify({ reason: 'changed my mind' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('x-upstream')).toBe('yes');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('set-cookie')).toBeNull();
    // web's own headers apply to a forwarded answer as to any other.
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Over plain http no HSTS, not even the one the function's kit would send.
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const [request] = orders.seen;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/o-1/cancel?x=1&y=two',
      body: JSON.stringify({ reason: 'changed my mind' }),
    });
    const h = request!.headers;
    expect(h.authorization).toBe('Bearer order-token');
    expect(h['idempotency-key']).toBe('k-1');
    expect(h['content-type']).toBe('application/json');
    expect(h.accept).toBe('application/json');
    // Same trace, this hop's own span.
    expect(h.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(h.traceparent).not.toContain('b7ad6b7169203331');
    expect(h.cookie).toBeUndefined();
    expect(h['x-internal']).toBeUndefined();
    expect(h['proxy-authorization']).toBeUndefined();
    expect(h['x-forwarded-prefix']).toBe('/api/orders');
    expect(h['x-forwarded-proto']).toBe('http');
  });

  it("tells the function the browser's scheme (the load balancer's X-Forwarded-Proto), not web's", async () => {
    const orders = await startUpstream();
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    await (await fetch(`${base}/api/orders/o-1`, { headers: { 'x-forwarded-proto': 'https, http' } })).text();
    await (await fetch(`${base}/api/orders/o-1`, { headers: { 'x-forwarded-proto': 'gopher' } })).text();
    expect(orders.seen.map((seen) => seen.headers['x-forwarded-proto'])).toEqual(['https', 'http']);
  });

  it("passes orders' own order-token cookie both ways, and no other cookie", async () => {
    const orders = await startUpstream((_req, res) => {
      res.writeHead(202, {
        'content-type': 'application/json',
        'set-cookie': ['order_token=t-1; Path=/api/orders/o-1; HttpOnly; SameSite=Strict', 'session=x'],
      });
      res.end('{}');
    });
    const catalog = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'order_token=forged; Path=/' });
      res.end('{}');
    });
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url, UPSTREAM_CATALOG: catalog.url });
    const cookie = 'theme=dark; order_token=t-1; admin=1';
    const placed = await fetch(`${base}/api/orders/o-1/events`, { headers: { cookie } });
    expect(placed.headers.getSetCookie()).toEqual([
      'order_token=t-1; Path=/api/orders/o-1; HttpOnly; SameSite=Strict',
    ]);
    expect(orders.seen[0]!.headers.cookie).toBe('order_token=t-1');
    const other = await fetch(`${base}/api/catalog/products`, { headers: { cookie } });
    expect(other.headers.getSetCookie()).toEqual([]);
    expect(catalog.seen[0]!.headers.cookie).toBeUndefined();
  });

  it('forwards the bare function path as "/" and keeps a base path of the upstream URL', async () => {
    const orders = await startUpstream();
    const catalog = await startUpstream();
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url, UPSTREAM_CATALOG: `${catalog.url}/v1/` });
    expect((await fetch(`${base}/api/orders?status=pending`)).status).toBe(200);
    expect((await fetch(`${base}/api/catalog/products/p%201`)).status).toBe(200);
    expect(orders.seen[0]!.url).toBe('/?status=pending');
    expect(catalog.seen[0]!.url).toBe('/v1/products/p%201');
  });

  it('streams a server-sent event stream through as it is written', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const orders = await startUpstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: order\ndata: {"status":"pending"}\n\n');
      res.on('close', () => closed());
      // The second event only after the first was read by the client: no buffering in between.
      req.socket.once('data', () => undefined);
      setTimeout(() => res.write('event: order\ndata: {"status":"confirmed"}\n\n'), 150);
    });
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    const abort = new AbortController();
    const res = await fetch(`${base}/api/orders/o-1/events?token=t`, {
      headers: { accept: 'text/event-stream' },
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    // fetch() takes gzip, yet a compressor would hold events back until its buffer filled.
    expect(res.headers.get('content-encoding')).toBeNull();
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('pending')) text += (await reader.read()).value;
    expect(text).not.toContain('confirmed');
    while (!text.includes('confirmed')) text += (await reader.read()).value;
    expect(orders.seen[0]!.url).toBe('/o-1/events?token=t');
    // The browser leaving closes the upstream stream too.
    abort.abort();
    await expect(upstreamClosed).resolves.toBeUndefined();
  });

  it("compresses a function's JSON answer for a browser that takes gzip", async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      id: `p-${i}`,
      name: `Product ${i}`,
      priceCents: 100 * i,
    }));
    const catalog = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items, nextCursor: null }));
    });
    const base = await startWeb({ UPSTREAM_CATALOG: catalog.url });
    const res = await fetch(`${base}/api/catalog/products`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(await res.json()).toEqual({ items, nextCursor: null });
    // The function itself is asked for the plain answer: compressing is web's, once, at the edge.
    expect(catalog.seen[0]!.headers['accept-encoding']).toBeUndefined();
  });

  it('stops the upstream request when the browser leaves before the function answered', async () => {
    let arrived!: () => void;
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const orders = await startUpstream((req) => {
      req.socket.on('close', () => closed());
      arrived(); // and never answers
    });
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    const abort = new AbortController();
    const pending = fetch(`${base}/api/orders/o-1`, { signal: abort.signal });
    await reached;
    abort.abort();
    await expect(pending).rejects.toThrow();
    await expect(upstreamClosed).resolves.toBeUndefined();
  });

  it('keeps connections to a function alive across requests', async () => {
    const orders = await startUpstream();
    let connections = 0;
    orders.server.on('connection', () => connections++);
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    for (let i = 0; i < 5; i++) expect((await fetch(`${base}/api/orders/o-${i}`)).status).toBe(200);
    expect(orders.seen).toHaveLength(5);
    expect(connections).toBe(1);
  });

  it('sends a read again on a new connection when a kept-alive one was closed, but never a write', async () => {
    const served = new WeakSet<object>();
    const orders = await startUpstream((req, res) => {
      // The second request on a connection finds it closed, as an idle timeout racing it would.
      if (served.has(req.socket)) return req.socket.destroy();
      served.add(req.socket);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    expect((await fetch(`${base}/api/orders/o-1`)).status).toBe(200);
    expect((await fetch(`${base}/api/orders/o-1`)).status).toBe(200);
    expect(orders.seen.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
    const write = await fetch(`${base}/api/orders/o-1/cancel`, { method: 'POST', body: '{}' });
    expect(write.status).toBe(502);
    expect(orders.seen.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('forwards a chunked body within the limit and refuses a larger one before it reaches the function', async () => {
    const orders = await startUpstream();
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url, BODY_LIMIT_BYTES: '1024' });
    const chunked = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const part of text.match(/.{1,100}/gs) ?? [])
            controller.enqueue(new TextEncoder().encode(part));
          controller.close();
        },
      });
    const small = 'x'.repeat(900);
    const ok = await fetch(`${base}/api/orders/o-1/cancel`, {
      method: 'POST',
      body: chunked(small),
      duplex: 'half',
    } as RequestInit);
    expect(ok.status).toBe(200);
    expect(orders.seen[0]!.body).toBe(small);
    const big = await fetch(`${base}/api/orders/o-1/cancel`, {
      method: 'POST',
      body: chunked('x'.repeat(2048)),
      duplex: 'half',
    } as RequestInit);
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toBe('application/problem+json');
    const sized = await fetch(`${base}/api/orders/o-1/cancel`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(sized.status).toBe(413);
    expect(orders.seen).toHaveLength(1);
  });

  it('carries small bodies whole and large ones as streams, both ways, byte for byte', async () => {
    const big = 'y'.repeat(600 * 1024);
    const orders = await startUpstream((req, res) => {
      const answer = req.url === '/large' ? big : `{"echo":${JSON.stringify(req.url)}}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url, BODY_LIMIT_BYTES: String(1024 * 1024) });
    const small = await fetch(`${base}/api/orders/small`, { method: 'POST', body: '{"a":1}' });
    expect(await small.json()).toEqual({ echo: '/small' });
    const large = await fetch(`${base}/api/orders/large`, { method: 'POST', body: big });
    expect(await large.text()).toBe(big);
    expect(orders.seen.map((r) => r.body.length)).toEqual([7, big.length]);
  });

  it('answers 502 when a function cuts off an answer of known length', async () => {
    const orders = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => res.destroy(), 20);
    });
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    const res = await fetch(`${base}/api/orders/o-1`);
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses internal paths, unknown functions and /api itself with 404 problems', async () => {
    const orders = await startUpstream();
    const base = await startWeb({ UPSTREAM_ORDERS: orders.url });
    for (const path of [
      '/api/orders/events',
      '/api/orders/healthz',
      '/api/orders/readyz',
      '/api/orders/metrics',
      '/api/orders/%65vents',
      '/api/orders//events',
      '/api/orders/Events/',
      '/api/billing/anything',
      '/api/',
      '/api',
    ]) {
      const res = await fetch(`${base}${path}`, { method: 'POST' });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toBe('application/problem+json');
    }
    const unknown = await (await fetch(`${base}/api/billing/x`)).json();
    expect(unknown).toMatchObject({ status: 404, detail: 'There is no function named "billing".' });
    expect(orders.seen).toHaveLength(0);
  });

  it('answers 502 when the function is down and 503 when it is not configured', async () => {
    const gone = await startUpstream();
    await new Promise<void>((resolve) => gone.server.close(() => resolve()));
    const base = await startWeb({ UPSTREAM_CATALOG: gone.url });
    const down = await fetch(`${base}/api/catalog/products`);
    expect(down.status).toBe(502);
    expect(down.headers.get('content-type')).toBe('application/problem+json');
    expect(await down.json()).toMatchObject({ status: 502, title: 'Bad Gateway' });
    const missing = await fetch(`${base}/api/ledger/dead-letters`);
    expect(missing.status).toBe(503);
    expect(await missing.json()).toMatchObject({
      status: 503,
      detail: 'The ledger function is not configured here.',
    });
  });

  it('passes upstream errors through untouched', async () => {
    const catalog = await startUpstream((_req, res) => {
      res.writeHead(409, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ status: 409, title: 'Conflict', detail: 'duplicate sku' }));
    });
    const base = await startWeb({ UPSTREAM_CATALOG: catalog.url });
    const res = await fetch(`${base}/api/catalog/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ detail: 'duplicate sku' });
  });

  it('counts forwarded requests per function in its metrics, not as one /api/* route', async () => {
    const catalog = await startUpstream();
    const orders = await startUpstream();
    const base = await startWeb({ UPSTREAM_CATALOG: catalog.url, UPSTREAM_ORDERS: orders.url });
    await fetch(`${base}/api/catalog/products?q=tea`);
    await fetch(`${base}/api/catalog/products/p-1`);
    await fetch(`${base}/api/orders/o-1`);
    await fetch(`${base}/api/nothing/here`);
    const text = await (await fetch(`${base}/metrics`)).text();
    const requests = [...text.matchAll(/^stockflow_http_requests_total\{([^}]*)\} (\d+)/gm)].map(
      ([, labels, n]) => `${labels} ${n}`,
    );
    expect(requests).toEqual(
      expect.arrayContaining([
        'method="GET",route="/api/catalog/*",status="200",service="web" 2',
        'method="GET",route="/api/orders/*",status="200",service="web" 1',
        'method="GET",route="/api/*",status="404",service="web" 1',
      ]),
    );
  });
});

describe('isInternalPath', () => {
  it('looks at the decoded first segment only', () => {
    expect(isInternalPath('/events')).toBe(true);
    expect(isInternalPath('/%2Fevents')).toBe(true);
    expect(isInternalPath('/%zz')).toBe(true);
    expect(isInternalPath('/products/events')).toBe(false);
    expect(isInternalPath('/eventsource')).toBe(false);
    expect(isInternalPath('/')).toBe(false);
  });
});

describe("the payment provider's webhooks", () => {
  const signed = { 'content-type': 'application/json', 'sandbox-signature': 't=1,v1=abc' };

  it('reach payments byte for byte with their signature, and with no credential of the browser', async () => {
    const payments = await startUpstream();
    const base = await startWeb({ UPSTREAM_PAYMENTS: payments.url });
    const body = '{"id":"evt_1",  "type":"payment.authorized"}';
    const res = await fetch(`${base}/api/payments/webhooks/sandbox`, {
      method: 'POST',
      headers: { ...signed, authorization: 'Bearer someone', cookie: 'stockflow_order=x' },
      body,
    });
    expect(res.status).toBe(200);
    const [request] = payments.seen;
    expect(request).toMatchObject({ method: 'POST', url: '/webhooks/sandbox', body });
    expect(request!.headers['sandbox-signature']).toBe('t=1,v1=abc');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.headers.cookie).toBeUndefined();
  });

  it('are held to a rate per client and a small body', async () => {
    const payments = await startUpstream();
    const base = await startWeb({ UPSTREAM_PAYMENTS: payments.url, WEBHOOK_RATE_LIMIT: '2' });
    const send = (body = '{}') =>
      fetch(`${base}/api/payments/webhooks/sandbox`, { method: 'POST', headers: signed, body });
    const tooLarge = await send(JSON.stringify({ pad: 'x'.repeat(70 * 1024) }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('content-type')).toBe('application/problem+json');
    expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    // Only the webhooks: payments' staff routes are not counted against it.
    expect((await fetch(`${base}/api/payments/payments/o-1`)).status).toBe(200);
  });
});
