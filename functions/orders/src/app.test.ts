import { FieldValue } from '@google-cloud/firestore';
import type { Order, Page, PlacedOrder, Product } from '@stockflow/contracts';
import { type EventRecord, OUTBOX_COLLECTION } from '@stockflow/kit';
import { cloudEventRequest, staffToken, testEnv } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { orders } from './app.ts';

/** A clerk's staff token: reads every order, ships and cancels them. */
const ADMIN_TOKEN = await staffToken('orders', 'clerk');
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const T0 = '2026-01-01T00:00:00.000Z';
const product = (id: string, fields: Partial<Product> = {}): Product => ({
  id,
  sku: `SKU-${id}`,
  name: `Product ${id}`,
  priceCents: 250,
  currency: 'EUR',
  status: 'active',
  version: 1,
  createdAt: T0,
  updatedAt: T0,
  ...fields,
});
const customer = { name: 'Ada Lovelace', email: 'ada@example.com' };
const twoLines = {
  items: [
    { productId: 'p1', quantity: 2 },
    { productId: 'p2', quantity: 1 },
  ],
  customer,
};

async function start(extra: Record<string, string> = {}) {
  const fn = orders.create({ env: testEnv('orders', { SSE_KEEPALIVE_MS: '100', ...extra }) });
  cleanup.push(async () => {
    await fn.rt.outbox.drain(1_000);
    await fn.rt.close();
  });
  const request = (
    method: string,
    path: string,
    { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
  ) =>
    fn.app.request(path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** Delivers a CloudEvent as the broker would; answers the status. */
  const deliver = async (type: string, data: unknown, id?: string) => {
    const res = await fn.app.request('/events', cloudEventRequest({ type, data, id }));
    return res.status;
  };
  const api = {
    fn,
    request,
    deliver,
    place: (body: unknown = twoLines, headers: Record<string, string> = {}) =>
      request('POST', '/', { body, headers }),
    get: (id: string, token?: string) =>
      request('GET', `/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }),
    cancel: (id: string, token?: string, body?: unknown) =>
      request('POST', `/${id}/cancel`, { body, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    ship: (id: string, headers: Record<string, string> = ADMIN) =>
      request('POST', `/${id}/ship`, { headers }),
    /** Places the default order and answers its 202 body. */
    placed: async (body: unknown = twoLines, headers: Record<string, string> = {}) => {
      const res = await api.place(body, headers);
      expect(res.status).toBe(202);
      return (await res.json()) as PlacedOrder;
    },
    order: async (id: string) => (await (await api.get(id, ADMIN_TOKEN)).json()) as Order,
    /** Every event committed to the outbox, oldest first. */
    emitted: async () => {
      const db = await fn.rt.db();
      const snap = await db.collection(OUTBOX_COLLECTION).orderBy('createdAt').get();
      return snap.docs.map((doc) => doc.get('record') as EventRecord);
    },
    orderCount: async () => (await (await fn.rt.db()).collection('orders').get()).size,
  };
  for (const p of [product('p1'), product('p2', { priceCents: 1000 })]) {
    expect(await deliver('io.stockflow.product.created', p)).toBe(202);
  }
  return api;
}

const reserved = (orderId: string) => ({ orderId, items: [{ productId: 'p1', quantity: 2 }] });

describe('placing orders', () => {
  it('answers 202 with a pending order priced from the projection, a token, and emits order.placed', async () => {
    const api = await start();
    const placed = await api.placed();
    expect(placed).toEqual({
      id: expect.any(String),
      status: 'pending',
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      tokenExpiresAt: expect.any(String),
      items: [
        { productId: 'p1', name: 'Product p1', quantity: 2, unitPriceCents: 250 },
        { productId: 'p2', name: 'Product p2', quantity: 1, unitPriceCents: 1000 },
      ],
      totalCents: 1500,
      currency: 'EUR',
    });
    const order = (await (await api.get(placed.id, placed.token)).json()) as Order;
    expect(order).toMatchObject({ id: placed.id, status: 'pending', customer, totalCents: 1500 });
    expect(order.timeline).toEqual([{ status: 'pending', at: order.createdAt }]);
    expect(order).not.toHaveProperty('tokenHash');
    expect(JSON.stringify(order)).not.toContain(placed.token);
    const [event] = await api.emitted();
    expect(event).toMatchObject({
      type: 'io.stockflow.order.placed',
      source: '/orders',
      subject: placed.id,
      data: { orderId: placed.id, currency: 'EUR', totalCents: 1500, customer },
    });
  });

  it.each([
    ['no items', { items: [], customer }],
    ['a zero quantity', { items: [{ productId: 'p1', quantity: 0 }], customer }],
    [
      'a product twice',
      {
        items: [
          { productId: 'p1', quantity: 1 },
          { productId: 'p1', quantity: 1 },
        ],
        customer,
      },
    ],
    ['an impossible product id', { items: [{ productId: '../x', quantity: 1 }], customer }],
    ['a bad email', { items: [{ productId: 'p1', quantity: 1 }], customer: { name: 'Ada', email: 'ada' } }],
    ['no customer', { items: [{ productId: 'p1', quantity: 1 }] }],
  ])('answers 400 to %s and stores nothing', async (_name, body) => {
    const api = await start();
    const res = await api.place(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await api.orderCount()).toBe(0);
    expect(await api.emitted()).toEqual([]);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const api = await start();
    const res = await api.fn.app.request('/', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(twoLines),
    });
    expect(res.status).toBe(415);
    expect(await api.orderCount()).toBe(0);
  });

  it('answers 422 naming unknown and archived products, and 422 to mixed currencies; stores nothing', async () => {
    const api = await start();
    await api.deliver('io.stockflow.product.archived', product('p2', { status: 'archived', version: 2 }));
    await api.deliver('io.stockflow.product.created', product('usd', { currency: 'USD' }));
    const refused = await api.place({
      items: [
        { productId: 'p1', quantity: 1 },
        { productId: 'p2', quantity: 1 },
        { productId: 'ghost', quantity: 1 },
      ],
      customer,
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      status: 422,
      products: [
        { productId: 'p2', reason: 'archived' },
        { productId: 'ghost', reason: 'unknown' },
      ],
    });
    const mixed = await api.place({
      items: [
        { productId: 'p1', quantity: 1 },
        { productId: 'usd', quantity: 1 },
      ],
      customer,
    });
    expect(mixed.status).toBe(422);
    expect((await mixed.json()).currencies.sort()).toEqual(['EUR', 'USD']);
    expect(await api.orderCount()).toBe(0);
    expect(await api.emitted()).toEqual([]);
  });

  it('prices from the newest product version, whatever order the product events came in', async () => {
    const api = await start();
    const v3 = product('p1', { priceCents: 300, version: 3, name: 'Renamed' });
    expect(await api.deliver('io.stockflow.product.updated', v3, 'v3')).toBe(202);
    expect(
      await api.deliver('io.stockflow.product.updated', product('p1', { priceCents: 200, version: 2 })),
    ).toBe(202);
    const placed = await api.placed({ items: [{ productId: 'p1', quantity: 1 }], customer });
    expect(placed.items[0]).toMatchObject({ name: 'Renamed', unitPriceCents: 300 });
    // An archive overtaken by an older update still wins.
    await api.deliver('io.stockflow.product.archived', product('p1', { status: 'archived', version: 4 }));
    await api.deliver('io.stockflow.product.updated', v3, 'v3-again');
    expect((await api.place({ items: [{ productId: 'p1', quantity: 1 }], customer })).status).toBe(422);
  });
});

describe('Idempotency-Key', () => {
  it('answers the same order and token to a repeated request, and 422 to another body with the key', async () => {
    const api = await start();
    const key = { 'idempotency-key': 'checkout-42' };
    const first = await api.placed(twoLines, key);
    const again = await api.placed(
      { items: [...twoLines.items].reverse(), customer: { ...customer, name: `  ${customer.name} ` } },
      key,
    );
    expect(again).toEqual(first);
    const other = await api.place({ items: [{ productId: 'p1', quantity: 5 }], customer }, key);
    expect(other.status).toBe(422);
    expect(await api.orderCount()).toBe(1);
    expect((await api.emitted()).map((e) => e.type)).toEqual(['io.stockflow.order.placed']);
    // Without a key, the same body is another order.
    expect((await api.placed()).id).not.toBe(first.id);
  });

  it('places one order for concurrent requests with the same key', async () => {
    const api = await start();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => api.place(twoLines, { 'idempotency-key': 'double-click' })),
    );
    expect(answers.map((res) => res.status)).toEqual(Array(8).fill(202));
    const bodies = (await Promise.all(answers.map((res) => res.json()))) as PlacedOrder[];
    expect(new Set(bodies.map((b) => `${b.id} ${b.token}`)).size).toBe(1);
    expect(await api.orderCount()).toBe(1);
    expect(await api.emitted()).toHaveLength(1);
  });

  it.each([['a'.repeat(201)], ['naïve'], ['']])('answers 400 to the key %j', async (value) => {
    const api = await start();
    const res = await api.place(twoLines, { 'idempotency-key': value });
    expect(res.status).toBe(400);
    expect(await api.orderCount()).toBe(0);
  });
});

describe('reading an order', () => {
  it('shows the order to its token and the admin token, and 404 to anyone else', async () => {
    const api = await start();
    const mine = await api.placed();
    const theirs = await api.placed();
    expect((await api.get(mine.id, mine.token)).status).toBe(200);
    expect((await api.get(mine.id, ADMIN_TOKEN)).status).toBe(200);
    for (const res of [
      await api.get(mine.id),
      await api.get(mine.id, theirs.token),
      await api.get(mine.id, 'not-a-token'),
      await api.request('GET', `/${mine.id}?token=${mine.token}`),
      await api.get('no-such-order', mine.token),
      await api.get('no-such-order', ADMIN_TOKEN),
      await api.get('__bad__', ADMIN_TOKEN),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.stringify(await res.json())).not.toContain('Ada');
    }
  });
});

describe('the saga, as orders sees it', () => {
  it('confirms on stock.reserved and ships; each change once, even for duplicates', async () => {
    const api = await start();
    const { id, token } = await api.placed();
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id), 'r1')).toBe(202);
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id), 'r1')).toBe(202);
    // Another delivery of the same decision under another id changes nothing either.
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id), 'r1-replayed')).toBe(202);
    expect((await api.order(id)).status).toBe('confirmed');
    const shipped = await api.ship(id);
    expect(shipped.status).toBe(200);
    const order = (await shipped.json()) as Order;
    expect(order.timeline.map((e) => e.status)).toEqual(['pending', 'confirmed', 'shipped']);
    expect((await api.ship(id)).status).toBe(409);
    expect((await api.cancel(id, token)).status).toBe(409);
    expect((await api.emitted()).map((e) => e.type)).toEqual([
      'io.stockflow.order.placed',
      'io.stockflow.order.confirmed',
      'io.stockflow.order.shipped',
    ]);
  });

  it('ships per location: one shipment per location holding stock, partially shipped, then shipped', async () => {
    const api = await start();
    const { id, token } = await api.placed();
    const allocations = [
      { productId: 'p1', locationId: 'north', quantity: 1 },
      { productId: 'p1', locationId: 'south', quantity: 1 },
      { productId: 'p2', locationId: 'north', quantity: 1 },
    ];
    const data = { orderId: id, items: twoLines.items, allocations };
    expect(await api.deliver('io.stockflow.stock.reserved', data)).toBe(202);
    const confirmed = (await (await api.get(id, token)).json()) as Order;
    expect(confirmed.shipments).toEqual([
      {
        id: 'north',
        locationId: 'north',
        status: 'pending',
        lines: [
          { productId: 'p1', quantity: 1 },
          { productId: 'p2', quantity: 1 },
        ],
      },
      { id: 'south', locationId: 'south', status: 'pending', lines: [{ productId: 'p1', quantity: 1 }] },
    ]);
    const shipOne = (shipmentId: string, headers: Record<string, string> = ADMIN) =>
      api.request('POST', `/${id}/shipments/${shipmentId}/ship`, { headers });
    expect((await shipOne('north', {})).status).toBe(401);
    expect((await shipOne('west')).status).toBe(404);
    const partly = (await (await shipOne('south')).json()) as Order;
    expect(partly.status).toBe('partially-shipped');
    expect(partly.shipments?.find((s) => s.id === 'south')).toMatchObject({ status: 'shipped' });
    expect((await shipOne('south')).status).toBe(409);
    const done = (await (await shipOne('north')).json()) as Order;
    expect(done.status).toBe('shipped');
    expect(done.timeline.map((e) => e.status)).toEqual([
      'pending',
      'confirmed',
      'partially-shipped',
      'shipped',
    ]);
    const emitted = await api.emitted();
    // The last shipment and the order's shipped commit together: the relay may send them in either order.
    expect(emitted.map((e) => e.type).sort()).toEqual([
      'io.stockflow.order.confirmed',
      'io.stockflow.order.placed',
      'io.stockflow.order.shipped',
      'io.stockflow.shipment.shipped',
      'io.stockflow.shipment.shipped',
    ]);
    const south = emitted.find(
      (e) =>
        e.type === 'io.stockflow.shipment.shipped' &&
        (e.data as { shipmentId: string }).shipmentId === 'south',
    );
    expect(south!.data).toEqual({
      actor: { subject: 'test-clerk', name: 'Test Clerk' },
      orderId: id,
      shipmentId: 'south',
      locationId: 'south',
      items: [{ productId: 'p1', quantity: 1 }],
    });
    // The order's shipped names the shipment that completed it; shipping whole names none.
    expect(emitted.find((e) => e.type === 'io.stockflow.order.shipped')!.data).toEqual({
      actor: { subject: 'test-clerk', name: 'Test Clerk' },
      orderId: id,
      shipmentId: 'north',
    });
  });

  it('reads a version 1 stock.reserved (no allocations) as one shipment from the default location', async () => {
    const api = await start();
    const { id } = await api.placed();
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id))).toBe(202);
    expect((await api.order(id)).shipments).toEqual([
      {
        id: 'default',
        locationId: 'default',
        status: 'pending',
        lines: [
          { productId: 'p1', quantity: 2 },
          { productId: 'p2', quantity: 1 },
        ],
      },
    ]);
    const shipped = (await (await api.ship(id)).json()) as Order;
    expect(shipped.shipments?.[0]).toMatchObject({ status: 'shipped' });
  });

  it('rejects on stock.rejected and shows the shortages', async () => {
    const api = await start();
    const { id, token } = await api.placed();
    const shortages = [{ productId: 'p1', requested: 2, available: 1 }];
    expect(await api.deliver('io.stockflow.stock.rejected', { orderId: id, shortages })).toBe(202);
    const order = (await (await api.get(id, token)).json()) as Order;
    expect(order).toMatchObject({ status: 'rejected', shortages });
    expect(order.timeline.at(-1)).toMatchObject({ status: 'rejected', reason: 'not enough stock' });
    // A late reservation for a rejected order changes nothing.
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id))).toBe(202);
    expect((await api.order(id)).status).toBe('rejected');
    expect((await api.cancel(id, token)).status).toBe(409);
    const events = await api.emitted();
    expect(events.map((e) => e.type)).toEqual(['io.stockflow.order.placed', 'io.stockflow.order.rejected']);
    expect(events[1]!.data).toEqual({ orderId: id, shortages });
  });

  it('keeps an order cancelled before its reservation cancelled, whatever inventory says later', async () => {
    const api = await start();
    const { id, token } = await api.placed();
    const cancelled = await api.cancel(id, token, { reason: 'changed my mind' });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as Order).timeline.at(-1)).toMatchObject({
      status: 'cancelled',
      reason: 'changed my mind',
    });
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id))).toBe(202);
    const shortages = [{ productId: 'p1', requested: 2, available: 0 }];
    expect(await api.deliver('io.stockflow.stock.rejected', { orderId: id, shortages })).toBe(202);
    const order = await api.order(id);
    expect(order.status).toBe('cancelled');
    expect(order).not.toHaveProperty('shortages');
    expect((await api.emitted()).map((e) => [e.type, e.data])).toEqual([
      ['io.stockflow.order.placed', expect.anything()],
      ['io.stockflow.order.cancelled', { orderId: id, reason: 'changed my mind' }],
    ]);
  });

  it('cancels a confirmed order (customer or admin) so inventory releases it; refuses a second cancel', async () => {
    const api = await start();
    const a = await api.placed();
    const b = await api.placed();
    for (const { id } of [a, b]) await api.deliver('io.stockflow.stock.reserved', reserved(id));
    expect((await api.cancel(a.id, a.token)).status).toBe(200);
    const byAdmin = await api.cancel(b.id, ADMIN_TOKEN);
    expect(((await byAdmin.json()) as Order).timeline.at(-1)?.reason).toBe('cancelled by an admin');
    const again = await api.cancel(a.id, a.token);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ status: 409, title: 'Conflict' });
    const cancels = (await api.emitted()).filter((e) => e.type === 'io.stockflow.order.cancelled');
    expect(cancels.map((e) => e.subject).sort()).toEqual([a.id, b.id].sort());
  });

  it('refuses commands without the right credentials and changes nothing', async () => {
    const api = await start();
    const mine = await api.placed();
    const theirs = await api.placed();
    await api.deliver('io.stockflow.stock.reserved', reserved(mine.id));
    expect((await api.cancel(mine.id)).status).toBe(404);
    expect((await api.cancel(mine.id, theirs.token)).status).toBe(404);
    expect((await api.ship(mine.id, {})).status).toBe(401);
    expect((await api.ship(mine.id, { authorization: `Bearer ${mine.token}` })).status).toBe(401);
    expect((await api.ship('no-such-order')).status).toBe(404);
    expect((await api.cancel(mine.id, mine.token, { reason: 7 })).status).toBe(400);
    expect((await api.order(mine.id)).status).toBe('confirmed');
    expect(await api.emitted()).toHaveLength(3);
  });

  it('ships only confirmed orders', async () => {
    const api = await start();
    const { id } = await api.placed();
    const res = await api.ship(id);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ status: 409, orderStatus: 'pending' });
  });

  it('ignores stock news about an unknown order, and answers 400 to bad event data', async () => {
    const api = await start();
    expect(await api.deliver('io.stockflow.stock.reserved', reserved('never-placed'))).toBe(202);
    expect(await api.deliver('io.stockflow.stock.reserved', { orderId: 'x' })).toBe(400);
    expect(await api.deliver('io.stockflow.stock.released', reserved('x'))).toBe(400);
    expect(await api.orderCount()).toBe(0);
  });
});

describe('listing orders', () => {
  it('pages through orders newest first for the admin, by status', async () => {
    const api = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await api.placed()).id);
    await api.deliver('io.stockflow.stock.reserved', reserved(ids[1]!));
    const seen: Order[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.request('GET', `/?limit=2${cursor ? `&cursor=${cursor}` : ''}`, {
        headers: ADMIN,
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Page<Order>;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((o) => o.id).sort()).toEqual([...ids].sort());
    const times = seen.map((o) => o.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    const confirmed = await api.request('GET', '/?status=confirmed', { headers: ADMIN });
    expect(((await confirmed.json()) as Page<Order>).items.map((o) => o.id)).toEqual([ids[1]]);
  });

  it('refuses the list without the admin token (401) and bad parameters (400)', async () => {
    const api = await start();
    const { token } = await api.placed();
    expect((await api.request('GET', '/')).status).toBe(401);
    expect((await api.request('GET', '/', { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      401,
    );
    expect((await api.request('GET', '/?status=lost', { headers: ADMIN })).status).toBe(400);
    expect((await api.request('GET', '/?limit=500', { headers: ADMIN })).status).toBe(400);
    expect((await api.request('GET', '/?cursor=abc', { headers: ADMIN })).status).toBe(400);
  });
});

/** Reads server-sent events from a streaming response body. */
function sseReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    /** The next block (an event or a comment), within a deadline. */
    async next(timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          return block;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no server-sent event in time');
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('no server-sent event in time')), left),
          ),
        ]);
        if (chunk.done) throw new Error('the stream ended');
        buffer += decoder.decode(chunk.value, { stream: true });
      }
    },
    /** The next `order` event's data. */
    async order(): Promise<Order> {
      for (;;) {
        const block = await this.next();
        if (block.startsWith(':')) continue;
        expect(block).toMatch(/^event: order\n/);
        const data = block.split('\n').find((line) => line.startsWith('data: '))!;
        return JSON.parse(data.slice(6)) as Order;
      }
    },
    close: () => reader.cancel(),
  };
}

describe('the order event stream', () => {
  it('sends the order at once and after every change, with keep-alive comments', async () => {
    const api = await start();
    const { id, token } = await api.placed();
    const res = await api.request('GET', `/${id}/events`, { headers: { cookie: `order_token=${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = sseReader(res);
    cleanup.push(() => stream.close());
    expect(await stream.order()).toMatchObject({ id, status: 'pending' });
    await api.deliver('io.stockflow.stock.reserved', reserved(id));
    expect(await stream.order()).toMatchObject({ id, status: 'confirmed' });
    await api.ship(id);
    const shipped = await stream.order();
    expect(shipped.timeline.map((e) => e.status)).toEqual(['pending', 'confirmed', 'shipped']);
    const comment = await stream.next();
    expect(comment).toMatch(/^: keep-alive/);
  });

  it('streams to the admin token in the Authorization header, and 404 without a valid token', async () => {
    const api = await start();
    const { id } = await api.placed();
    const admin = await api.request('GET', `/${id}/events`, { headers: ADMIN });
    expect(admin.status).toBe(200);
    const stream = sseReader(admin);
    expect(await stream.order()).toMatchObject({ id });
    await stream.close();
    // A token in the query string opens nothing: tokens never travel in URLs.
    const { token } = await api.placed();
    for (const path of [`/${id}/events`, `/${id}/events?token=${token}`, '/unknown/events?token=x']) {
      const res = await api.request('GET', path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
  });
});

describe('order limits', () => {
  it('refuses more units of a line than MAX_LINE_QUANTITY, and more lines than MAX_ORDER_LINES, before anything is stored or emitted', async () => {
    const api = await start({ MAX_LINE_QUANTITY: '10', MAX_ORDER_LINES: '1' });
    const before = await api.emitted();
    const tooMany = await api.place({ items: [{ productId: 'p1', quantity: 11 }], customer });
    expect(tooMany.status).toBe(422);
    expect(tooMany.headers.get('content-type')).toBe('application/problem+json');
    expect(await tooMany.json()).toMatchObject({ limit: { maxLineQuantity: 10 }, products: ['p1'] });
    const tooLong = await api.place(twoLines);
    expect(tooLong.status).toBe(422);
    expect(await tooLong.json()).toMatchObject({ limit: { maxOrderLines: 1 } });
    expect(await api.orderCount()).toBe(0);
    expect(await api.emitted()).toEqual(before);
    expect((await api.place({ items: [{ productId: 'p1', quantity: 10 }], customer })).status).toBe(202);
  });

  it('holds an anonymous order to 100 units a line and 50 lines by default', async () => {
    const api = await start();
    expect((await api.place({ items: [{ productId: 'p1', quantity: 101 }], customer })).status).toBe(422);
    expect(api.fn.rt.config).toMatchObject({ MAX_LINE_QUANTITY: 100, MAX_ORDER_LINES: 50 });
  });
});

describe('order tokens out of URLs', () => {
  const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('order_token='));

  it("sets the order's cookie when it is placed: HttpOnly, SameSite=Strict, scoped to the order's path, until the token expires", async () => {
    const api = await start();
    const res = await api.place(twoLines, {
      'x-forwarded-prefix': '/api/orders',
      'x-forwarded-proto': 'https',
    });
    const placed = (await res.json()) as PlacedOrder;
    const cookie = cookieOf(res)!;
    expect(cookie).toContain(`order_token=${placed.token}`);
    expect(cookie).toContain(`Path=/api/orders/${placed.id}`);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Secure/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    expect(maxAge).toBeGreaterThan(89 * 24 * 3600);
    expect(maxAge).toBeLessThanOrEqual(90 * 24 * 3600);
    expect(Date.parse(placed.tokenExpiresAt) - Date.now()).toBeGreaterThan(89 * 24 * 3600 * 1000);
    // Over plain http (local), no Secure: the browser would drop it.
    expect(cookieOf(await api.place())).not.toMatch(/Secure/);
    // The cookie opens the order, its stream and its cancel.
    const withCookie = { headers: { cookie: `order_token=${placed.token}` } };
    expect((await api.request('GET', `/${placed.id}`, withCookie)).status).toBe(200);
    expect((await api.request('POST', `/${placed.id}/cancel`, withCookie)).status).toBe(200);
  });

  it("exchanges a kept link's token (Authorization header) for the cookie; a wrong token or the admin token gets none", async () => {
    const api = await start();
    const placed = await api.placed();
    const session = await api.request('POST', `/${placed.id}/session`, {
      headers: { authorization: `Bearer ${placed.token}`, 'x-forwarded-prefix': '/api/orders' },
    });
    expect(session.status).toBe(200);
    expect(((await session.json()) as Order).id).toBe(placed.id);
    expect(cookieOf(session)).toContain(`Path=/api/orders/${placed.id}`);
    for (const headers of [{ authorization: 'Bearer wrong' }, ADMIN, {}]) {
      const refused = await api.request('POST', `/${placed.id}/session`, { headers });
      expect(refused.status).toBe(404);
      expect(cookieOf(refused)).toBeUndefined();
    }
  });

  it('stops opening the order once its token expired (ORDER_TOKEN_TTL_DAYS); the admin token still does', async () => {
    const api = await start();
    const placed = await api.placed();
    const db = await api.fn.rt.db();
    await db
      .collection('orders')
      .doc(placed.id)
      .update({ tokenExpiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await api.get(placed.id, placed.token)).status).toBe(404);
    expect(
      (
        await api.request('POST', `/${placed.id}/session`, {
          headers: { authorization: `Bearer ${placed.token}` },
        })
      ).status,
    ).toBe(404);
    expect((await api.get(placed.id, ADMIN_TOKEN)).status).toBe(200);
    // An order stored before tokens expired counts its days from when it was placed.
    await db
      .collection('orders')
      .doc(placed.id)
      .update({ tokenExpiresAt: FieldValue.delete(), createdAt: '2020-01-01T00:00:00.000Z' });
    expect((await api.get(placed.id, placed.token)).status).toBe(404);
  });
});

describe('event streams per order', () => {
  it('holds an order to ORDER_STREAMS_PER_ORDER open streams (429 problem+json beyond), and frees a slot when one closes', async () => {
    const api = await start({ ORDER_STREAMS_PER_ORDER: '2' });
    const { id, token } = await api.placed();
    const open = () => api.request('GET', `/${id}/events`, { headers: { authorization: `Bearer ${token}` } });
    const first = sseReader(await open());
    const second = sseReader(await open());
    cleanup.push(() => second.close());
    expect(await first.order()).toMatchObject({ id });
    const refused = await open();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('retry-after')).toBeTruthy();
    await first.close();
    await expect
      .poll(async () => {
        const res = await open();
        if (res.status === 200) cleanup.push(() => sseReader(res).close());
        return res.status;
      })
      .toBe(200);
  });
});
