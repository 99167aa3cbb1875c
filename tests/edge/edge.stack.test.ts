/**
 * The public edge under real traffic, through the whole stack `npm start` runs (web's manifest
 * trusts Knative's 2 hops: Kourier's and the queue-proxy's X-Forwarded-For entries):
 * - two shoppers behind the same hops get their own order buckets;
 * - a 3 MiB body gets 413 with `Connection: close` on a kept-alive socket, and the same client's next
 *   request (on a new connection) is answered;
 * - 100 lines × 1,000,000 units is refused before any stock is touched: inventory's database and the
 *   events the ledger recorded stay as they were;
 * - open order event streams are capped per client (web) and per order (orders), 429 problem+json.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Firestore } from '@google-cloud/firestore';
import type { PlacedOrder, Product } from '@stockflow/contracts';
import { FIRESTORE_SETTINGS } from '@stockflow/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot } from '../hostile/harness.ts';
import { shopper } from '../system/shopper.ts';
import { startTestStack, type TestStack } from '../system/stack.ts';

const poll = { timeout: 30_000, interval: 200 };
const KOURIER_POD = '10.8.1.7';
/** X-Forwarded-For as Kourier and the queue-proxy write it for `client`. */
const behindKnative = (client: string) => ({ 'x-forwarded-for': `${client}, ${KOURIER_POD}` });

describe('the edge under real traffic', () => {
  let stack: TestStack;
  const projectId = `stockflow-edge-${randomUUID().slice(0, 8)}`;
  let product: Product;

  beforeAll(async () => {
    stack = await startTestStack({
      projectId,
      env: {
        ORDER_RATE_LIMIT: '3',
        MAX_LINE_QUANTITY: '100',
        MAX_ORDER_LINES: '50',
        ORDER_STREAMS_PER_CLIENT: '3',
        ORDER_STREAMS_PER_ORDER: '2',
      },
    });
    const created = await api('/catalog/products', {
      method: 'POST',
      admin: true,
      body: { sku: `EDGE-${randomUUID().slice(0, 8)}`, name: 'Edge', priceCents: 100, currency: 'EUR' },
    });
    expect(created.status).toBe(201);
    product = created.body as Product;
    const stocked = await api(`/inventory/stock/${product.id}/adjustments`, {
      method: 'POST',
      admin: true,
      body: { delta: 50, reason: 'edge' },
    });
    expect(stocked.status).toBe(200);
  });
  afterAll(() => stack?.stop());

  async function api(
    path: string,
    init: { method?: string; body?: unknown; admin?: boolean; headers?: Record<string, string> } = {},
  ) {
    const res = await fetch(`${stack.urls.web}/api${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.admin ? { authorization: `Bearer ${stack.adminToken}` } : {}),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  const order = (quantity = 1) => ({
    items: [{ productId: product.id, quantity }],
    customer: shopper('Edge', 'edge@example.com'),
  });

  /** Places an order as `client` (behind Knative's hops) once orders knows the product. */
  async function placeAs(client: string): Promise<{ status: number; body: PlacedOrder }> {
    const res = await api('/orders', { method: 'POST', body: order(), headers: behindKnative(client) });
    return res as { status: number; body: PlacedOrder };
  }

  it('gives two shoppers behind the Knative hops their own buckets', async () => {
    // Orders learns of the product by its event: wait for it at orders itself, past web's limit.
    const direct = () =>
      fetch(stack.urls.services.orders!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(order()),
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    await expect.poll(direct, poll).toBe(202);
    const ada = [];
    for (let i = 0; i < 4; i++) ada.push((await placeAs('198.51.100.1')).status);
    expect(ada).toEqual([202, 202, 202, 429]);
    expect((await placeAs('198.51.100.2')).status).toBe(202);
  });

  it('answers a 3 MiB body 413 with Connection: close, and the next request on a new connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<{ status: number; connection?: string; text: string }>((resolve, reject) => {
        const req = request(
          `${stack.urls.web}${path}`,
          {
            method,
            agent,
            headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk) => {
              text += chunk;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode!, connection: res.headers.connection, text }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const big = await send('POST', '/api/orders', Buffer.alloc(3 * 1024 * 1024, 0x20));
      expect(big.status).toBe(413);
      expect(big.connection).toBe('close');
      expect(JSON.parse(big.text)).toMatchObject({ status: 413, title: 'Content Too Large' });
      const next = await send('GET', `/api/catalog/products/${product.id}`);
      expect(next.status).toBe(200);
      expect(JSON.parse(next.text)).toMatchObject({ id: product.id });
    } finally {
      agent.destroy();
    }
  });

  it('refuses 100 lines of 1,000,000 units before any stock is touched or any event sent', async () => {
    const inventoryDb = new Firestore({ projectId, databaseId: 'inventory', ...FIRESTORE_SETTINGS });
    try {
      // The earlier tests' orders settle first (their events still travel): wait for a quiet ledger.
      const events = async () =>
        JSON.stringify((await api('/ledger/events?limit=100', { admin: true })).body);
      let eventsBefore = await events();
      await expect
        .poll(
          async () => {
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            const now = await events();
            const quiet = now === eventsBefore;
            eventsBefore = now;
            return quiet;
          },
          { timeout: 60_000, interval: 0 },
        )
        .toBe(true);
      const stockBefore = await snapshot(inventoryDb);
      const lines = [product.id, ...Array.from({ length: 99 }, (_, i) => `p-${i}`)].map((productId) => ({
        productId,
        quantity: 1_000_000,
      }));
      const whole = await api('/orders', {
        method: 'POST',
        body: { items: lines, customer: shopper('Greedy', 'greedy@example.com') },
        headers: behindKnative('198.51.100.50'),
      });
      expect(whole.status).toBe(422);
      expect(whole.headers.get('content-type')).toBe('application/problem+json');
      const one = await api('/orders', {
        method: 'POST',
        body: order(1_000_000),
        headers: behindKnative('198.51.100.51'),
      });
      expect(one.status).toBe(422);
      expect(one.body).toMatchObject({ limit: { maxLineQuantity: 100 } });
      // Whatever the mesh would deliver has had its time.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await snapshot(inventoryDb)).toEqual(stockBefore);
      expect(await events()).toEqual(eventsBefore);
    } finally {
      await inventoryDb.terminate();
    }
  });

  it('caps open order event streams per client and per order (429 problem+json)', async () => {
    const placed: PlacedOrder[] = [];
    for (const client of ['198.51.100.60', '198.51.100.61', '198.51.100.62', '198.51.100.63']) {
      const res = await placeAs(client);
      expect(res.status).toBe(202);
      placed.push(res.body);
    }
    const open: AbortController[] = [];
    const stream = async (order: PlacedOrder, client: string) => {
      const abort = new AbortController();
      const res = await fetch(`${stack.urls.web}/api/orders/${order.id}/events`, {
        headers: { cookie: `order_token=${order.token}`, ...behindKnative(client) },
        signal: abort.signal,
      });
      if (res.status === 200) open.push(abort);
      else await res.arrayBuffer();
      return res;
    };
    try {
      // One client, three orders: its cap is 3.
      for (const order of placed.slice(0, 3)) expect((await stream(order, '198.51.100.70')).status).toBe(200);
      const overClient = await stream(placed[3]!, '198.51.100.70');
      expect(overClient.status).toBe(429);
      expect(overClient.headers.get('content-type')).toBe('application/problem+json');
      expect(overClient.headers.get('retry-after')).toBeTruthy();
      // One order, clients of their own: its cap is 2 (one open above already).
      expect((await stream(placed[3]!, '198.51.100.71')).status).toBe(200);
      expect((await stream(placed[3]!, '198.51.100.72')).status).toBe(200);
      const overOrder = await stream(placed[3]!, '198.51.100.73');
      expect(overOrder.status).toBe(429);
      // Closing streams frees their slots.
      for (const abort of open.splice(0)) abort.abort();
      await expect.poll(async () => (await stream(placed[3]!, '198.51.100.70')).status, poll).toBe(200);
    } finally {
      for (const abort of open) abort.abort();
    }
  });
});
