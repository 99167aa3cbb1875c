import { FieldValue, Firestore } from '@google-cloud/firestore';
import type { Order, Page, PlacedOrder, Product } from '@stockflow/contracts';
import { type EventRecord, OUTBOX_COLLECTION } from '@stockflow/kit';
import { freePort } from '@stockflow/kit/free-port';
import { cloudEventRequest, staffToken, testEnv } from '@stockflow/kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { orders } from './app.ts';
import { OrderNotReadInTime, OrdersStore } from './store.ts';

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
const address = { line1: '12 Analytical Row', city: 'London', postalCode: 'SW1A 1AA', country: 'GB' };
const customer = { name: 'Ada Lovelace', email: 'ada@example.com', address };
const contact = { name: customer.name, email: customer.email };
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
    /** Inventory reserved the order (default: as a version 1 event, all at the default location). */
    reserve: (id: string, data: unknown = reserved(id)) => deliver('io.stockflow.stock.reserved', data),
    /** Payments' news about the order's payment. */
    payment: (verb: string, data: Record<string, unknown>, eventId?: string) =>
      deliver(`io.stockflow.payment.${verb}`, { paymentId: 'pay_1', currency: 'EUR', ...data }, eventId),
    /** Reserved and paid: the order is confirmed. */
    confirm: async (id: string, data?: unknown) => {
      expect(await api.reserve(id, data)).toBe(202);
      expect(await api.payment('authorized', { orderId: id, amountCents: 1500 })).toBe(202);
    },
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
    expect(order.customer.address).toEqual(address);
    expect(order.timeline).toEqual([{ status: 'pending', at: order.createdAt }]);
    expect(order).not.toHaveProperty('tokenHash');
    expect(JSON.stringify(order)).not.toContain(placed.token);
    const [event] = await api.emitted();
    expect(event).toMatchObject({
      type: 'io.stockflow.order.placed',
      source: '/orders',
      subject: placed.id,
      data: { orderId: placed.id, currency: 'EUR', totalCents: 1500, customer: contact },
    });
    // The address stays with the order: not on the bus.
    expect(JSON.stringify(event)).not.toContain('Analytical');
  });

  it.each([
    ['no address', contact, 'customer.address'],
    [
      'an address without a city',
      { ...contact, address: { ...address, city: ' ' } },
      'customer.address.city',
    ],
    [
      'an unknown country',
      { ...contact, address: { ...address, country: 'XX' } },
      'customer.address.country',
    ],
    [
      'a postal code of another country',
      { ...contact, address: { ...address, country: 'DE' } },
      'customer.address.postalCode',
    ],
  ])('answers 400 problem+json naming the field to %s, and stores nothing', async (_name, who, field) => {
    const api = await start();
    const res = await api.place({ items: twoLines.items, customer: who });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { errors: Array<{ path: string }> };
    expect(problem.errors.map((e) => e.path)).toContain(field);
    expect(await api.orderCount()).toBe(0);
    expect(await api.emitted()).toEqual([]);
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
    [
      'a bad email',
      { items: [{ productId: 'p1', quantity: 1 }], customer: { name: 'Ada', email: 'ada', address } },
    ],
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
  it('holds for payment on stock.reserved, confirms when paid, and ships; each change once, even for duplicates', async () => {
    const api = await start({ PAYMENT_HOLD_SECONDS: '60' });
    const { id, token } = await api.placed();
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id), 'r1')).toBe(202);
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id), 'r1')).toBe(202);
    // Another delivery of the same decision under another id changes nothing either.
    expect(await api.deliver('io.stockflow.stock.reserved', reserved(id), 'r1-replayed')).toBe(202);
    const awaiting = await api.order(id);
    expect(awaiting.status).toBe('awaiting-payment');
    const held = Date.parse(awaiting.holdExpiresAt!) - Date.parse(awaiting.updatedAt);
    expect(held).toBe(60_000);
    const link = { checkoutUrl: 'https://pay.example/pay/cs_1', expiresAt: awaiting.holdExpiresAt };
    expect(await api.payment('requested', { orderId: id, amountCents: 1500, ...link })).toBe(202);
    expect((await api.order(id)).payment).toEqual({ paymentId: 'pay_1', status: 'requested', ...link });
    expect(await api.payment('authorized', { orderId: id, amountCents: 1500 }, 'a1')).toBe(202);
    expect(await api.payment('authorized', { orderId: id, amountCents: 1500 }, 'a1-again')).toBe(202);
    expect((await api.order(id)).status).toBe('confirmed');
    const shipped = await api.ship(id);
    expect(shipped.status).toBe(200);
    expect(await api.payment('captured', { orderId: id, amountCents: 1500 })).toBe(202);
    const order = await api.order(id);
    expect(order.timeline.map((e) => [e.status, e.reason])).toEqual([
      ['pending', undefined],
      ['awaiting-payment', undefined],
      ['awaiting-payment', 'payment requested'],
      ['confirmed', 'payment authorized'],
      ['shipped', undefined],
      ['shipped', 'payment captured: 15.00 EUR'],
    ]);
    expect(order.payment).toMatchObject({ status: 'captured', capturedCents: 1500 });
    expect((await api.ship(id)).status).toBe(409);
    expect((await api.cancel(id, token)).status).toBe(409);
    expect((await api.emitted()).map((e) => e.type)).toEqual([
      'io.stockflow.order.placed',
      'io.stockflow.order.awaiting-payment',
      'io.stockflow.order.confirmed',
      'io.stockflow.order.shipped',
    ]);
    expect((await api.emitted())[1]!.data).toEqual({
      orderId: id,
      totalCents: 1500,
      currency: 'EUR',
      holdExpiresAt: awaiting.holdExpiresAt,
    });
  });

  it('cancels on a declined payment with the cause and the message; a late authorization changes nothing', async () => {
    const api = await start();
    const { id, token } = await api.placed();
    await api.reserve(id);
    const declined = { orderId: id, code: 'card_declined', message: 'Your card was declined.' };
    expect(await api.payment('declined', declined)).toBe(202);
    expect(await api.payment('authorized', { orderId: id, amountCents: 1500 })).toBe(202);
    const order = (await (await api.get(id, token)).json()) as Order;
    expect(order).toMatchObject({
      status: 'cancelled',
      cancelCause: 'payment-declined',
      payment: { status: 'declined', declineMessage: 'Your card was declined.' },
    });
    const cancelled = (await api.emitted()).filter((e) => e.type === 'io.stockflow.order.cancelled');
    expect(cancelled.map((e) => e.data)).toEqual([
      { orderId: id, reason: 'the payment was declined', cause: 'payment-declined' },
    ]);
    // payments refunds the late authorization; orders records the refund on the timeline.
    const refund = { orderId: id, amountCents: 1500, cause: 'late-authorization' };
    expect(await api.payment('refunded', refund)).toBe(202);
    expect((await api.order(id)).payment).toMatchObject({ status: 'refunded', refundedCents: 1500 });
    expect(await api.payment('declined', { orderId: id, code: 'x' })).toBe(400);
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
    await api.confirm(id, data);
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
      'awaiting-payment',
      'confirmed',
      'partially-shipped',
      'shipped',
    ]);
    const emitted = await api.emitted();
    // The last shipment and the order's shipped commit together: the relay may send them in either order.
    expect(emitted.map((e) => e.type).sort()).toEqual([
      'io.stockflow.order.awaiting-payment',
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
    await api.confirm(id);
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
      ['io.stockflow.order.cancelled', { orderId: id, reason: 'changed my mind', cause: 'customer' }],
    ]);
  });

  it('cancels an order awaiting payment or confirmed (customer or staff) so inventory releases it; refuses a second cancel', async () => {
    const api = await start();
    const a = await api.placed();
    const b = await api.placed();
    await api.reserve(a.id);
    await api.confirm(b.id);
    const byCustomer = await api.cancel(a.id, a.token);
    expect(byCustomer.status).toBe(200);
    expect(await byCustomer.json()).toMatchObject({ status: 'cancelled', cancelCause: 'customer' });
    const byAdmin = await api.cancel(b.id, ADMIN_TOKEN);
    const staffCancelled = (await byAdmin.json()) as Order;
    expect(staffCancelled.timeline.at(-1)?.reason).toBe('cancelled by an admin');
    expect(staffCancelled.cancelCause).toBe('staff');
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
    await api.reserve(mine.id);
    expect((await api.cancel(mine.id)).status).toBe(404);
    expect((await api.cancel(mine.id, theirs.token)).status).toBe(404);
    expect((await api.ship(mine.id, {})).status).toBe(401);
    expect((await api.ship(mine.id, { authorization: `Bearer ${mine.token}` })).status).toBe(401);
    expect((await api.ship('no-such-order')).status).toBe(404);
    expect((await api.cancel(mine.id, mine.token, { reason: 7 })).status).toBe(400);
    expect((await api.order(mine.id)).status).toBe('awaiting-payment');
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
    await api.confirm(ids[1]!);
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
    await api.reserve(id);
    expect(await stream.order()).toMatchObject({ id, status: 'awaiting-payment' });
    const link = { checkoutUrl: 'https://pay.example/pay/cs_1', expiresAt: '2030-01-01T00:00:00.000Z' };
    await api.payment('requested', { orderId: id, amountCents: 1500, ...link });
    expect(await stream.order()).toMatchObject({
      status: 'awaiting-payment',
      payment: { status: 'requested' },
    });
    await api.payment('authorized', { orderId: id, amountCents: 1500 });
    expect(await stream.order()).toMatchObject({ id, status: 'confirmed' });
    await api.ship(id);
    const shipped = await stream.order();
    expect(shipped.timeline.map((e) => e.status)).toEqual([
      'pending',
      'awaiting-payment',
      'awaiting-payment',
      'confirmed',
      'shipped',
    ]);
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

describe("following an order (the stream's one Firestore call)", () => {
  it("opens with the listener's first snapshot, hands on a change made before listen(), and none after stop()", async () => {
    const api = await start();
    const store = new OrdersStore(() => api.fn.rt.db());
    const { id } = await api.placed();
    const follow = await store.follow(id);
    cleanup.push(async () => follow.stop());
    const stored = await follow.opened;
    expect(stored?.order).toMatchObject({ id, status: 'pending' });
    expect(stored?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    // A change between the first snapshot and listen() is not lost.
    await api.reserve(id);
    await expect.poll(async () => (await store.find(id))?.order.status).toBe('awaiting-payment');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const seen: string[] = [];
    follow.listen(
      (order) => seen.push(order.status),
      (error) => seen.push(`error ${error.message}`),
    );
    // Handed on at once when it came before listen() (the usual case after 200 ms), else on arrival.
    await expect.poll(() => seen).toEqual(['awaiting-payment']);
    follow.stop();
    await api.payment('requested', {
      orderId: id,
      amountCents: 1500,
      checkoutUrl: 'https://pay.example/pay/cs_1',
      expiresAt: '2030-01-01T00:00:00.000Z',
    });
    await expect.poll(async () => (await store.find(id))?.order.payment?.status).toBe('requested');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual(['awaiting-payment']);
  });

  it('fails the opening, not hangs, when stopped before the first snapshot', async () => {
    const api = await start();
    const { id } = await api.placed();
    const follow = await new OrdersStore(() => api.fn.rt.db()).follow(id);
    follow.stop();
    await expect(follow.opened).rejects.toThrow(/no longer followed/);
  });

  it('gives up opening when Firestore cannot be reached, where a read would have failed', async () => {
    // A client of an emulator nobody runs: it retries its listener for ever, with backoff.
    const saved = process.env.FIRESTORE_EMULATOR_HOST;
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${await freePort()}`;
    const unreachable = new Firestore({ projectId: 'stockflow-unreachable' });
    process.env.FIRESTORE_EMULATOR_HOST = saved;
    cleanup.push(() => unreachable.terminate());
    const follow = await new OrdersStore(async () => unreachable).follow(
      '7d1e1b1e-0000-4000-8000-000000000000',
      { openWithinMs: 300 },
    );
    await expect(follow.opened).rejects.toBeInstanceOf(OrderNotReadInTime);
    // gRPC's DEADLINE_EXCEEDED: the kit answers it as transient storage trouble, 503.
    await expect(follow.opened).rejects.toMatchObject({ code: 4 });
  });

  it('opens an order that does not exist as undefined', async () => {
    const api = await start();
    const follow = await new OrdersStore(() => api.fn.rt.db()).follow('7d1e1b1e-0000-4000-8000-000000000000');
    await expect(follow.opened).resolves.toBeUndefined();
    follow.stop();
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

describe('the payment hold', () => {
  it('cancels on a PingSource tick every order whose hold has run out (cause payment-expired), once', async () => {
    const api = await start({ PAYMENT_HOLD_SECONDS: '1' });
    const late = await api.placed();
    const paid = await api.placed();
    const fresh = await api.placed();
    await api.reserve(late.id);
    await api.confirm(paid.id);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await api.reserve(fresh.id);
    const tick = (id: string) =>
      api.fn.app.request('/events', cloudEventRequest({ id, type: 'dev.knative.sources.ping', data: {} }));
    // Two instances ticking at once: each order is cancelled once.
    const answers = await Promise.all([tick('t1'), tick('t2')]);
    expect(answers.map((res) => res.status)).toEqual([202, 202]);
    expect(await api.order(late.id)).toMatchObject({ status: 'cancelled', cancelCause: 'payment-expired' });
    expect((await api.order(paid.id)).status).toBe('confirmed');
    expect((await api.order(fresh.id)).status).toBe('awaiting-payment');
    const cancels = (await api.emitted()).filter((e) => e.type === 'io.stockflow.order.cancelled');
    expect(cancels.map((e) => e.data)).toEqual([
      { orderId: late.id, reason: 'the payment was not made in time', cause: 'payment-expired' },
    ]);
    // A late authorization for the expired order changes nothing here (payments refunds it).
    expect(await api.payment('authorized', { orderId: late.id, amountCents: 1500 })).toBe(202);
    expect((await api.order(late.id)).status).toBe('cancelled');
  });
});

describe('delivery and returns', () => {
  /** A delivered order: placed, reserved, paid, shipped, delivered. */
  async function delivered(api: Awaited<ReturnType<typeof start>>) {
    const placed = await api.placed();
    await api.confirm(placed.id);
    expect((await api.ship(placed.id)).status).toBe(200);
    const res = await api.request('POST', `/${placed.id}/deliver`, { headers: ADMIN });
    expect(res.status).toBe(200);
    return { ...placed, order: (await res.json()) as Order };
  }
  const ask = (
    api: Awaited<ReturnType<typeof start>>,
    id: string,
    token: string | undefined,
    body: unknown,
  ) =>
    api.request('POST', `/${id}/returns`, {
      body,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const staffStep = (api: Awaited<ReturnType<typeof start>>, path: string, body: unknown) =>
    api.request('POST', path, { body, headers: ADMIN });

  it('delivers a shipped order (clerk) with its return window; refuses other orders and shoppers', async () => {
    const api = await start({ RETURN_DAYS: '14' });
    const { id, token, order } = await delivered(api);
    expect(order.status).toBe('delivered');
    expect(Date.parse(order.returnUntil!) - Date.parse(order.deliveredAt!)).toBe(14 * 24 * 3600 * 1000);
    const event = (await api.emitted()).find((e) => e.type === 'io.stockflow.order.delivered');
    expect(event!.data).toEqual({
      orderId: id,
      returnUntil: order.returnUntil,
      actor: { subject: 'test-clerk', name: 'Test Clerk' },
    });
    const again = await api.request('POST', `/${id}/deliver`, { headers: ADMIN });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json');
    const shopper = await api.request('POST', `/${id}/deliver`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(shopper.status).toBe(401);
    const pending = await api.placed();
    expect((await api.request('POST', `/${pending.id}/deliver`, { headers: ADMIN })).status).toBe(409);
  });

  it('takes a return through requested, received, inspected and refunded, announcing each step', async () => {
    const api = await start();
    const { id, token } = await delivered(api);
    const requested = await ask(api, id, token, {
      items: [{ productId: 'p1', quantity: 2 }],
      reason: 'too big',
    });
    expect(requested.status).toBe(201);
    const withReturn = (await requested.json()) as Order;
    expect(withReturn.returns).toEqual([
      {
        id: 'r-1',
        status: 'requested',
        items: [{ productId: 'p1', quantity: 2 }],
        reason: 'too big',
        requestedAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
    expect(withReturn.timeline.at(-1)).toMatchObject({
      status: 'delivered',
      reason: 'return r-1 requested: 2 items',
    });
    const receive = await staffStep(api, `/${id}/returns/r-1/receive`, { locationId: 'north' });
    expect(receive.status).toBe(200);
    const lines = [
      { productId: 'p1', quantity: 1, outcome: 'restocked' },
      { productId: 'p1', quantity: 1, outcome: 'written-off' },
    ];
    const inspect = await staffStep(api, `/${id}/returns/r-1/inspect`, { lines });
    expect(inspect.status).toBe(200);
    expect(((await inspect.json()) as Order).returns?.[0]).toMatchObject({
      status: 'inspected',
      refundCents: 500,
    });
    const emitted = await api.emitted();
    const data = (type: string) => emitted.find((e) => e.type === type)!.data;
    expect(data('io.stockflow.return.requested')).toEqual({
      orderId: id,
      returnId: 'r-1',
      items: [{ productId: 'p1', quantity: 2 }],
      reason: 'too big',
    });
    expect(data('io.stockflow.return.received')).toMatchObject({
      orderId: id,
      returnId: 'r-1',
      locationId: 'north',
    });
    expect(data('io.stockflow.return.inspected')).toMatchObject({
      orderId: id,
      returnId: 'r-1',
      locationId: 'north',
      lines,
      refundCents: 500,
      currency: 'EUR',
    });
    const refund = { orderId: id, amountCents: 500, cause: 'return', returnId: 'r-1' };
    expect(await api.payment('captured', { orderId: id, amountCents: 1500 })).toBe(202);
    expect(await api.payment('refunded', refund)).toBe(202);
    const after = await api.order(id);
    expect(after.returns?.[0]?.status).toBe('refunded');
    expect(after.payment).toMatchObject({
      status: 'partially-refunded',
      refundedCents: 500,
      capturedCents: 1500,
    });
  });

  it('refuses returns beyond what was delivered, out of window or turn, and bad bodies; nothing changes', async () => {
    const api = await start();
    const { id, token } = await delivered(api);
    const other = await api.placed();
    const problems: Array<[Response, number]> = [
      [await ask(api, id, token, { items: [{ productId: 'p1', quantity: 3 }] }), 422],
      [await ask(api, id, token, { items: [{ productId: 'zz', quantity: 1 }] }), 422],
      [await ask(api, id, token, { items: [] }), 400],
      [await ask(api, id, other.token, { items: [{ productId: 'p1', quantity: 1 }] }), 404],
      [await ask(api, id, undefined, { items: [{ productId: 'p1', quantity: 1 }] }), 404],
      [await ask(api, other.id, other.token, { items: [{ productId: 'p1', quantity: 1 }] }), 409],
      [await staffStep(api, `/${id}/returns/r-1/receive`, { locationId: 'north' }), 404],
    ];
    for (const [res, status] of problems) {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect(await (problems[0]![0].clone?.() ?? problems[0]![0]).json()).toMatchObject({
      products: [{ productId: 'p1', returnable: 2 }],
    });
    expect((await ask(api, id, token, { items: [{ productId: 'p1', quantity: 1 }] })).status).toBe(201);
    // One of two units asked back already: one more at most.
    expect((await ask(api, id, token, { items: [{ productId: 'p1', quantity: 2 }] })).status).toBe(422);
    const early = await staffStep(api, `/${id}/returns/r-1/inspect`, {
      lines: [{ productId: 'p1', quantity: 1, outcome: 'restocked' }],
    });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ returnId: 'r-1', returnStatus: 'requested' });
    expect((await staffStep(api, `/${id}/returns/r-1/receive`, { locationId: '../x' })).status).toBe(400);
    const shopperReceive = await api.request('POST', `/${id}/returns/r-1/receive`, {
      body: { locationId: 'north' },
      headers: { authorization: `Bearer ${token}` },
    });
    expect(shopperReceive.status).toBe(401);
    expect((await staffStep(api, `/${id}/returns/r-1/receive`, { locationId: 'north' })).status).toBe(200);
    const mismatch = await staffStep(api, `/${id}/returns/r-1/inspect`, {
      lines: [{ productId: 'p1', quantity: 2, outcome: 'restocked' }],
    });
    expect(mismatch.status).toBe(422);
    expect((await api.order(id)).returns?.[0]?.status).toBe('received');
    const types = (await api.emitted())
      .map((e) => e.type)
      .filter((t) => t.startsWith('io.stockflow.return.'));
    expect(types).toEqual(['io.stockflow.return.requested', 'io.stockflow.return.received']);
  });

  it('honours an Idempotency-Key: a resend makes no second return, another body with the key is refused', async () => {
    const api = await start();
    const { id, token } = await delivered(api);
    const body = { items: [{ productId: 'p1', quantity: 1 }] };
    const send = (what: unknown, key = 'return-once') =>
      api.request('POST', `/${id}/returns`, {
        body: what,
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
      });
    const answers = await Promise.all([send(body), send(body), send(body)]);
    expect(answers.map((res) => res.status)).toEqual([201, 201, 201]);
    const order = await api.order(id);
    expect(order.returns?.map((r) => r.id)).toEqual(['r-1']);
    expect(order).not.toHaveProperty('keys');
    const other = await send({ items: [{ productId: 'p2', quantity: 1 }] });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toBe('application/problem+json');
    expect((await send(body, 'another-key')).status).toBe(201);
    expect((await api.order(id)).returns?.map((r) => r.id)).toEqual(['r-1', 'r-2']);
    const requested = (await api.emitted()).filter((e) => e.type === 'io.stockflow.return.requested');
    expect(requested).toHaveLength(2);
  });

  it('refuses a return once returnUntil has passed', async () => {
    const api = await start({ RETURN_DAYS: '0' });
    const { id, token } = await delivered(api);
    const res = await ask(api, id, token, { items: [{ productId: 'p1', quantity: 1 }] });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ reason: 'window-closed' });
  });

  it('lists returns across orders for staff, newest first, by status, a page at a time', async () => {
    const api = await start();
    const a = await delivered(api);
    const b = await delivered(api);
    await ask(api, a.id, a.token, { items: [{ productId: 'p1', quantity: 1 }] });
    await ask(api, b.id, b.token, { items: [{ productId: 'p2', quantity: 1 }] });
    await ask(api, a.id, a.token, { items: [{ productId: 'p2', quantity: 1 }] });
    await staffStep(api, `/${b.id}/returns/r-1/receive`, { locationId: 'north' });
    const list = async (query: string, headers: Record<string, string> = ADMIN) =>
      api.request('GET', `/returns${query}`, { headers });
    const all = (await (await list('')).json()) as Page<{ orderId: string; id: string; status: string }>;
    expect(all.items.map((r) => [r.orderId, r.id, r.status])).toEqual([
      [a.id, 'r-2', 'requested'],
      [b.id, 'r-1', 'received'],
      [a.id, 'r-1', 'requested'],
    ]);
    const received = (await (await list('?status=received')).json()) as Page<{ orderId: string }>;
    expect(received.items.map((r) => r.orderId)).toEqual([b.id]);
    const first = (await (await list('?limit=2')).json()) as Page<{ id: string }>;
    expect(first.items).toHaveLength(2);
    const next = (await (await list(`?limit=2&cursor=${first.nextCursor}`)).json()) as Page<{ id: string }>;
    expect(next.items.map((r) => r.id)).toEqual(['r-1']);
    expect((await list('', {})).status).toBe(401);
    expect((await list('?status=lost')).status).toBe(400);
  });
});
