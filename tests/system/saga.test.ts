/**
 * The order saga through the whole stack that `npm start` runs (knative/base): real processes, real
 * HTTP through web's `/api/<function>/…`, the mesh's broker and Triggers, the Firestore emulator.
 * Catalog's products reach orders' projection by events, orders and inventory agree through
 * order.* and stock.* events, and other systems' events (goods received, duplicates, reordered
 * saga events) are posted to the broker ingress as a warehouse or a replay would.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Order, Page, PlacedOrder, Product } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../packages/mesh/src/runner/stack.ts';
import { CARDS, payOrder, shopper } from './shopper.ts';
import { startTestStack, type TestStack } from './stack.ts';

const inventoryDeclared =
  existsSync(join(REPO_ROOT, 'knative/base/inventory.yaml')) &&
  existsSync(join(REPO_ROOT, 'functions/inventory/src/main.ts'));

interface Answer<T = unknown> {
  status: number;
  body: T;
}

interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
}

const customer = shopper();
const poll = { timeout: 30_000, interval: 100 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!inventoryDeclared)('the order saga through the whole stack', () => {
  let stack: TestStack;

  /** Calls a function as the SPA does: through web's /api/<function> (or directly when web is not built). */
  async function call<T = unknown>(
    fn: string,
    path: string,
    {
      method = 'GET',
      body,
      token,
      headers = {},
    }: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const base = stack.urls.web ? `${stack.urls.web}/api/${fn}` : stack.urls.services[fn];
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  const admin = () => stack.adminToken;

  async function createProduct(name: string, priceCents: number, currency = 'EUR'): Promise<Product> {
    const sku = `${name}-${randomUUID().slice(0, 8)}`.toUpperCase();
    const res = await call<Product>('catalog', '/products', {
      method: 'POST',
      token: admin(),
      body: { sku, name, priceCents, currency },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function receiveGoods(productId: string, quantity: number, id: string = randomUUID()) {
    const status = await stack.publish({
      type: 'io.stockflow.goods.received',
      source: '/partners/warehouse',
      id,
      subject: productId,
      data: { productId, quantity, reference: `delivery-${id}` },
    });
    expect(status).toBe(202);
  }

  async function stock(productId: string): Promise<StockLevel> {
    const res = await call<StockLevel>('inventory', `/stock/${productId}`, { token: admin() });
    expect(res.status).toBe(200);
    return res.body;
  }

  const place = (
    items: Array<{ productId: string; quantity: number }>,
    headers: Record<string, string> = {},
  ) => call<PlacedOrder>('orders', '/', { method: 'POST', body: { items, customer }, headers });

  async function placed(items: Array<{ productId: string; quantity: number }>): Promise<PlacedOrder> {
    const res = await place(items);
    expect(res.status).toBe(202);
    return res.body;
  }

  const order = async (id: string, token = admin()) =>
    (await call<Order>('orders', `/${id}`, { token })).body;

  const settled = async (id: string, status: Order['status']) => {
    await expect.poll(async () => (await order(id)).status, poll).toBe(status);
    return order(id);
  };

  /** Pays the order on the provider's step once it opens (the approving card unless told) and waits for `status`. */
  const paid = async (id: string, card: string = CARDS.approve, status: Order['status'] = 'confirmed') => {
    await payOrder(stack, () => order(id), card);
    return settled(id, status);
  };

  /** Products with stock on hand, known to orders' projection (product events travel through the broker). */
  async function stockedProducts(stocks: number[], priceCents = 500): Promise<Product[]> {
    const products = await Promise.all(stocks.map((_, i) => createProduct(`Item ${i}`, priceCents + i)));
    await Promise.all(products.map((p, i) => receiveGoods(p.id, stocks[i]!)));
    for (const [i, p] of products.entries()) {
      await expect.poll(async () => (await stock(p.id)).onHand, poll).toBe(stocks[i]);
    }
    // Orders refuses unknown products with 422 until product.created reaches its projection. The
    // probe asks for more than any stock, so once accepted it is rejected and reserves nothing.
    for (const p of products) {
      const probe = () =>
        place([{ productId: p.id, quantity: 1_000_000 }], { 'idempotency-key': `probe-${p.id}` });
      await expect.poll(async () => (await probe()).status, poll).toBe(202);
      await settled((await probe()).body.id, 'rejected');
    }
    return products;
  }

  beforeAll(async () => {
    stack = await startTestStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('places, confirms and ships an order: stock is reserved, then leaves on hand', async () => {
    const [a, b] = await stockedProducts([10, 5]);
    const res = await place([
      { productId: a!.id, quantity: 2 },
      { productId: b!.id, quantity: 1 },
    ]);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'pending',
      currency: 'EUR',
      totalCents: 2 * a!.priceCents + b!.priceCents,
    });
    // Reserved, the order waits for its payment holding the stock; paying confirms it.
    const awaiting = await payOrder(stack, () => order(res.body.id));
    expect(awaiting).toMatchObject({ status: 'awaiting-payment', payment: { status: 'requested' } });
    expect(await stock(a!.id)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
    const confirmed = await settled(res.body.id, 'confirmed');
    expect(confirmed.timeline.map((e) => [e.status, e.reason])).toEqual([
      ['pending', undefined],
      ['awaiting-payment', undefined],
      ['awaiting-payment', 'payment requested'],
      ['confirmed', 'payment authorized'],
    ]);
    expect(confirmed.payment?.status).toBe('authorized');
    expect(await stock(a!.id)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });

    const shipped = await call<Order>('orders', `/${res.body.id}/ship`, { method: 'POST', token: admin() });
    expect(shipped.status).toBe(200);
    expect(shipped.body.status).toBe('shipped');
    await expect.poll(async () => stock(a!.id), poll).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
    expect(await stock(b!.id)).toMatchObject({ onHand: 4, reserved: 0 });
    // Shipping captures the whole authorized amount, once.
    await expect
      .poll(async () => (await order(res.body.id)).payment, poll)
      .toMatchObject({ status: 'captured', capturedCents: res.body.totalCents });
    // Shipped is final.
    expect(
      (await call('orders', `/${res.body.id}/cancel`, { method: 'POST', token: res.body.token })).status,
    ).toBe(409);
  });

  it('allocates across two locations and ships one shipment per location', async () => {
    const [a] = await stockedProducts([3]);
    const east = `east-${randomUUID().slice(0, 8)}`;
    const created = await call('inventory', '/locations', {
      method: 'POST',
      token: admin(),
      body: { id: east, name: 'East', priority: 500 },
    });
    expect(created.status).toBe(201);
    const id = randomUUID();
    const status = await stack.publish({
      type: 'io.stockflow.goods.received',
      source: '/partners/warehouse',
      id,
      subject: a!.id,
      data: { productId: a!.id, quantity: 5, reference: `delivery-${id}`, locationId: east },
    });
    expect(status).toBe(202);
    await expect.poll(async () => (await stock(a!.id)).onHand, poll).toBe(8);

    const { id: orderId } = await placed([{ productId: a!.id, quantity: 6 }]);
    const confirmed = await paid(orderId);
    expect(confirmed.shipments).toEqual([
      { id: 'default', locationId: 'default', status: 'pending', lines: [{ productId: a!.id, quantity: 3 }] },
      { id: east, locationId: east, status: 'pending', lines: [{ productId: a!.id, quantity: 3 }] },
    ]);
    const ship = (shipmentId: string) =>
      call<Order>('orders', `/${orderId}/shipments/${shipmentId}/ship`, { method: 'POST', token: admin() });
    expect((await ship(east)).body.status).toBe('partially-shipped');
    const atEast = async () =>
      (
        await call<{ locations: Array<{ locationId: string; onHand: number; reserved: number }> }>(
          'inventory',
          `/stock/${a!.id}`,
          { token: admin() },
        )
      ).body.locations.find((l) => l.locationId === east);
    await expect.poll(atEast, poll).toMatchObject({ onHand: 2, reserved: 0 });
    expect(await stock(a!.id)).toMatchObject({ onHand: 5, reserved: 3 });
    expect((await ship('default')).body.status).toBe('shipped');
    await expect.poll(async () => stock(a!.id), poll).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
  });

  it('rejects an order the stock cannot cover, shows the shortages and reserves nothing', async () => {
    const [a, c] = await stockedProducts([10, 3]);
    const { id, token } = await placed([
      { productId: a!.id, quantity: 1 },
      { productId: c!.id, quantity: 4 },
    ]);
    const rejected = await settled(id, 'rejected');
    expect(rejected.shortages).toEqual([{ productId: c!.id, requested: 4, available: 3 }]);
    expect((await order(id, token)).status).toBe('rejected');
    await sleep(500);
    expect(await stock(a!.id)).toMatchObject({ reserved: 0, available: 10 });
  });

  it('releases the stock of an order cancelled after its reservation', async () => {
    const [b] = await stockedProducts([5]);
    const { id, token } = await placed([{ productId: b!.id, quantity: 2 }]);
    await paid(id);
    expect((await stock(b!.id)).reserved).toBe(2);
    const cancelled = await call<Order>('orders', `/${id}/cancel`, { method: 'POST', token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await expect.poll(async () => stock(b!.id), poll).toMatchObject({ reserved: 0, available: 5 });
  });

  it('ends with nothing reserved for an order cancelled before its reservation', async () => {
    const [c] = await stockedProducts([3]);
    // A cancel racing the reservation through the live saga…
    const raced = await placed([{ productId: c!.id, quantity: 2 }]);
    expect((await call('orders', `/${raced.id}/cancel`, { method: 'POST', token: raced.token })).status).toBe(
      200,
    );
    // …and one that certainly overtakes it: order.cancelled reaches the broker before order.placed.
    const overtaken = randomUUID();
    const placedData = {
      orderId: overtaken,
      items: [{ productId: c!.id, quantity: 1, unitPriceCents: 1 }],
      currency: 'EUR',
      totalCents: 1,
    };
    expect(
      await stack.publish({
        type: 'io.stockflow.order.cancelled',
        source: '/orders',
        subject: overtaken,
        data: { orderId: overtaken },
      }),
    ).toBe(202);
    expect(
      await stack.publish({
        type: 'io.stockflow.order.placed',
        source: '/orders',
        subject: overtaken,
        data: placedData,
      }),
    ).toBe(202);

    await expect.poll(async () => (await stock(c!.id)).reserved, poll).toBe(0);
    // Neither keeps a unit: an order for all three confirms.
    const all = await placed([{ productId: c!.id, quantity: 3 }]);
    await paid(all.id);
    await sleep(1_000);
    expect(await stock(c!.id)).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
    expect((await order(raced.id)).status).toBe('cancelled');
  });

  it('answers a repeated Idempotency-Key with the same order, and refuses it for another body', async () => {
    const [a] = await stockedProducts([10]);
    const key = { 'idempotency-key': `checkout-${randomUUID()}` };
    const lines = [{ productId: a!.id, quantity: 1 }];
    const answers = await Promise.all([place(lines, key), place(lines, key), place(lines, key)]);
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202]);
    expect(new Set(answers.map((r) => `${r.body.id}/${r.body.token}`)).size).toBe(1);
    const other = await place([{ productId: a!.id, quantity: 2 }], key);
    expect(other.status).toBe(422);
    await paid(answers[0]!.body.id);
    await sleep(500);
    expect((await stock(a!.id)).reserved).toBe(1);
  });

  it('applies duplicate and reordered events posted to the broker once, and never un-cancels', async () => {
    const [a] = await stockedProducts([10]);
    // The same delivery of goods twice (same source and id) counts once.
    const delivery = randomUUID();
    await receiveGoods(a!.id, 5, delivery);
    await receiveGoods(a!.id, 5, delivery);
    await expect.poll(async () => (await stock(a!.id)).onHand, poll).toBe(15);

    // A confirmed order hears "rejected" late, a cancelled one hears "reserved" late: neither moves.
    const confirmed = await placed([{ productId: a!.id, quantity: 1 }]);
    await paid(confirmed.id);
    const cancelled = await placed([{ productId: a!.id, quantity: 1 }]);
    expect(
      (await call('orders', `/${cancelled.id}/cancel`, { method: 'POST', token: cancelled.token })).status,
    ).toBe(200);
    const shortage = { productId: a!.id, requested: 1, available: 0 };
    expect(
      await stack.publish({
        type: 'io.stockflow.stock.rejected',
        source: '/inventory',
        subject: confirmed.id,
        data: { orderId: confirmed.id, shortages: [shortage] },
      }),
    ).toBe(202);
    expect(
      await stack.publish({
        type: 'io.stockflow.stock.reserved',
        source: '/inventory',
        subject: cancelled.id,
        data: { orderId: cancelled.id, items: [{ productId: a!.id, quantity: 1 }] },
      }),
    ).toBe(202);
    await sleep(1_000);
    expect((await order(confirmed.id)).status).toBe('confirmed');
    expect((await order(cancelled.id)).status).toBe('cancelled');
    await expect.poll(async () => (await stock(a!.id)).reserved, poll).toBe(1);

    // An older product version arriving late does not undo a newer price.
    const patched = await call<Product>('catalog', `/products/${a!.id}`, {
      method: 'PATCH',
      token: admin(),
      body: { priceCents: 1234 },
    });
    expect(patched.body.version).toBe(2);
    const stale = { ...a!, priceCents: 1, version: 1 };
    expect(
      await stack.publish({
        type: 'io.stockflow.product.updated',
        source: '/catalog',
        subject: a!.id,
        data: stale,
      }),
    ).toBe(202);
    await expect
      .poll(async () => {
        const res = await place([{ productId: a!.id, quantity: 1 }], {
          'idempotency-key': `price-${Date.now()}`,
        });
        if (res.status === 202)
          await call('orders', `/${res.body.id}/cancel`, { method: 'POST', token: res.body.token });
        return res.body.items?.[0]?.unitPriceCents;
      }, poll)
      .toBe(1234);
    await sleep(500);
    const again = await placed([{ productId: a!.id, quantity: 1 }]);
    expect(again.items[0]!.unitPriceCents).toBe(1234);
  });

  it('streams an order’s changes to its token through web', async () => {
    const [a] = await stockedProducts([4]);
    const { id, token } = await placed([{ productId: a!.id, quantity: 1 }]);
    await paid(id);
    const base = stack.urls.web ? `${stack.urls.web}/api/orders` : stack.urls.services.orders;
    const abort = new AbortController();
    // The order's cookie, as the browser's EventSource sends it: no token in the URL.
    const res = await fetch(`${base}/${id}/events`, {
      headers: { cookie: `order_token=${token}` },
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const statuses = async (count: number) => {
      for (;;) {
        const found = [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1]!) as Order).status);
        if (found.length >= count) return found;
        const { value, done } = await reader.read();
        if (done) return found;
        text += decoder.decode(value, { stream: true });
      }
    };
    expect(await statuses(1)).toEqual(['confirmed']);
    expect((await call('orders', `/${id}/ship`, { method: 'POST', token: admin() })).status).toBe(200);
    expect(await statuses(2)).toEqual(['confirmed', 'shipped']);
    abort.abort();
  });

  it('hides orders from other tokens and keeps admin operations to the admin token', async () => {
    const [a] = await stockedProducts([5]);
    const mine = await placed([{ productId: a!.id, quantity: 1 }]);
    const theirs = await placed([{ productId: a!.id, quantity: 1 }]);
    expect((await call('orders', `/${mine.id}`)).status).toBe(404);
    expect((await call('orders', `/${mine.id}`, { token: theirs.token })).status).toBe(404);
    expect((await call('orders', `/${mine.id}`, { token: 'guess' })).status).toBe(404);
    expect((await call('orders', `/${mine.id}`, { token: mine.token })).status).toBe(200);
    expect((await call('orders', `/${mine.id}/cancel`, { method: 'POST', token: theirs.token })).status).toBe(
      404,
    );
    expect((await call('orders', `/${mine.id}/ship`, { method: 'POST', token: mine.token })).status).toBe(
      401,
    );
    expect((await call('orders', '/', { token: mine.token })).status).toBe(401);
    expect((await call('orders', '/', { token: admin() })).status).toBe(200);
    expect(
      (
        await call('catalog', '/products', {
          method: 'POST',
          body: { sku: 'X', name: 'X', priceCents: 1, currency: 'EUR' },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call('inventory', `/stock/${a!.id}/adjustments`, {
          method: 'POST',
          body: { delta: 100, reason: 'free stock' },
        })
      ).status,
    ).toBe(401);
    expect(await stock(a!.id)).toMatchObject({ onHand: 5 });
  });

  it('never oversells: 200 concurrent orders on 3 products', async () => {
    const supply = [40, 25, 10];
    const products = await stockedProducts(supply);
    // A fixed pseudo-random mix of one or two lines of 1 to 3 units: demand far above supply.
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const requests = Array.from({ length: 200 }, () => {
      const first = next(3);
      const lines = [{ productId: products[first]!.id, quantity: 1 + next(3) }];
      if (next(2)) lines.push({ productId: products[(first + 1 + next(2)) % 3]!.id, quantity: 1 + next(3) });
      return lines;
    });
    const answers = await Promise.all(requests.map((lines) => place(lines)));
    expect(answers.map((a) => a.status)).toEqual(Array(200).fill(202));
    const ids = new Set(answers.map((a) => a.body.id));

    const mine = async () => {
      const found: Order[] = [];
      let cursor: string | null = null;
      do {
        const page: Answer<Page<Order>> = await call(
          'orders',
          `/?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
          { token: admin() },
        );
        found.push(...page.body.items.filter((o) => ids.has(o.id)));
        cursor = page.body.nextCursor;
      } while (cursor);
      return found;
    };
    const unsettled = (o: Order) => o.status === 'pending' || o.status === 'awaiting-payment';
    const slow = { timeout: 90_000, interval: 500 };
    await expect.poll(async () => (await mine()).filter((o) => o.status === 'pending').length, slow).toBe(0);
    // Every order inventory reserved holds its stock until paid: each shopper pays.
    const held = (await mine()).filter((o) => o.status === 'awaiting-payment');
    await Promise.all(
      held.map((o) => payOrder(stack, () => order(o.id), CARDS.approve, { timeoutMs: 90_000 })),
    );
    await expect.poll(async () => (await mine()).filter(unsettled).length, slow).toBe(0);
    const settledOrders = await mine();
    expect(settledOrders).toHaveLength(200);
    const confirmed = settledOrders.filter((o) => o.status === 'confirmed');
    const rejected = settledOrders.filter((o) => o.status === 'rejected');
    expect(confirmed.length + rejected.length).toBe(200);
    expect(confirmed.length).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThan(0);
    for (const o of rejected) expect(o.shortages?.length).toBeGreaterThan(0);

    for (const [i, p] of products.entries()) {
      const sold = confirmed
        .flatMap((o) => o.items)
        .filter((item) => item.productId === p.id)
        .reduce((sum, item) => sum + item.quantity, 0);
      expect(sold).toBeLessThanOrEqual(supply[i]!);
      await expect
        .poll(async () => stock(p.id), poll)
        .toMatchObject({ onHand: supply[i], reserved: sold, available: supply[i]! - sold });
    }
  });
});
