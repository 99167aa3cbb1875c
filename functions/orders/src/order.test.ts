import type { Order, OrderStatus } from '@stockflow/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cancelOrder,
  confirmReservation,
  MixedCurrenciesError,
  type OrderChange,
  placeOrder,
  rejectForShortages,
  shipOrder,
  TotalTooLargeError,
  TRANSITIONS,
  TransitionRefusedError,
  UnorderableProductsError,
} from './order.ts';
import { type ProductEntry, project } from './products.ts';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:01:00.000Z';
const entry = (id: string, fields: Partial<ProductEntry> = {}): ProductEntry => ({
  id,
  name: `Product ${id}`,
  priceCents: 250,
  currency: 'EUR',
  active: true,
  version: 1,
  ...fields,
});
const catalog = new Map([
  ['p1', entry('p1')],
  ['p2', entry('p2', { priceCents: 1000 })],
  ['usd', entry('usd', { currency: 'USD' })],
  ['old', entry('old', { active: false, version: 2 })],
]);
const customer = { name: 'Ada', email: 'ada@example.com' };

const place = (
  lines = [
    { productId: 'p1', quantity: 2 },
    { productId: 'p2', quantity: 1 },
  ],
) => placeOrder({ id: 'o1', lines, customer, products: catalog, now: T0 });

describe('placing an order', () => {
  it('prices every line from the projection and announces order.placed', () => {
    const { order, events } = place();
    expect(order).toEqual({
      id: 'o1',
      status: 'pending',
      items: [
        { productId: 'p1', name: 'Product p1', quantity: 2, unitPriceCents: 250 },
        { productId: 'p2', name: 'Product p2', quantity: 1, unitPriceCents: 1000 },
      ],
      totalCents: 1500,
      currency: 'EUR',
      customer,
      timeline: [{ status: 'pending', at: T0 }],
      createdAt: T0,
      updatedAt: T0,
    });
    expect(events).toEqual([
      {
        type: 'io.stockflow.order.placed',
        subject: 'o1',
        data: {
          orderId: 'o1',
          items: [
            { productId: 'p1', quantity: 2, unitPriceCents: 250, name: 'Product p1' },
            { productId: 'p2', quantity: 1, unitPriceCents: 1000, name: 'Product p2' },
          ],
          currency: 'EUR',
          totalCents: 1500,
          customer,
        },
      },
    ]);
  });

  it('names every unknown or archived product it refuses', () => {
    try {
      place([
        { productId: 'p1', quantity: 1 },
        { productId: 'ghost', quantity: 1 },
        { productId: 'old', quantity: 1 },
      ]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnorderableProductsError);
      expect((error as UnorderableProductsError).products).toEqual([
        { productId: 'ghost', reason: 'unknown' },
        { productId: 'old', reason: 'archived' },
      ]);
    }
  });

  it('refuses mixed currencies and totals beyond exact integers', () => {
    expect(() =>
      place([
        { productId: 'p1', quantity: 1 },
        { productId: 'usd', quantity: 1 },
      ]),
    ).toThrowError(MixedCurrenciesError);
    const dear = new Map([['gold', entry('gold', { priceCents: Number.MAX_SAFE_INTEGER })]]);
    expect(() =>
      placeOrder({ id: 'o', lines: [{ productId: 'gold', quantity: 2 }], customer, products: dear, now: T0 }),
    ).toThrowError(TotalTooLargeError);
  });
});

describe('the status machine', () => {
  const pending = place().order;
  const confirmed = confirmReservation(pending, T1).order;

  it('confirms a pending order on reservation, and records it on the timeline', () => {
    const { order, events } = confirmReservation(pending, T1);
    expect(order.status).toBe('confirmed');
    expect(order.timeline).toEqual([
      { status: 'pending', at: T0 },
      { status: 'confirmed', at: T1 },
    ]);
    expect(order.updatedAt).toBe(T1);
    expect(events).toEqual([
      { type: 'io.stockflow.order.confirmed', subject: 'o1', data: { orderId: 'o1' } },
    ]);
  });

  it('rejects a pending order with its shortages', () => {
    const shortages = [{ productId: 'p1', requested: 2, available: 1 }];
    const { order, events } = rejectForShortages(pending, shortages, T1);
    expect(order).toMatchObject({ status: 'rejected', shortages });
    expect(order.timeline.at(-1)).toEqual({ status: 'rejected', at: T1, reason: 'not enough stock' });
    expect(events).toEqual([
      { type: 'io.stockflow.order.rejected', subject: 'o1', data: { orderId: 'o1', shortages } },
    ]);
  });

  it('cancels from pending and confirmed, with the reason given or who cancelled', () => {
    const byCustomer = cancelOrder(pending, { by: 'customer' }, T1);
    expect(byCustomer.order.status).toBe('cancelled');
    expect(byCustomer.events).toEqual([
      {
        type: 'io.stockflow.order.cancelled',
        subject: 'o1',
        data: { orderId: 'o1', reason: 'cancelled by the customer' },
      },
    ]);
    const byAdmin = cancelOrder(confirmed, { by: 'admin', reason: 'fraud check' }, T1);
    expect(byAdmin.order.timeline.at(-1)).toEqual({ status: 'cancelled', at: T1, reason: 'fraud check' });
  });

  it('ships only a confirmed order', () => {
    expect(shipOrder(confirmed, T1).order.status).toBe('shipped');
    expect(shipOrder(confirmed, T1).events[0]!.type).toBe('io.stockflow.order.shipped');
    expect(() => shipOrder(pending, T1)).toThrowError(TransitionRefusedError);
  });

  it('refuses commands from final statuses', () => {
    const cancelled = cancelOrder(pending, { by: 'customer' }, T1).order;
    const shipped = shipOrder(confirmed, T1).order;
    for (const order of [cancelled, shipped]) {
      expect(() => cancelOrder(order, { by: 'admin' }, T1)).toThrowError(TransitionRefusedError);
      expect(() => shipOrder(order, T1)).toThrowError(TransitionRefusedError);
    }
  });

  it('ignores stock news for an order that moved on: a cancelled order stays cancelled', () => {
    const cancelled = cancelOrder(pending, { by: 'customer' }, T1).order;
    const shortages = [{ productId: 'p1', requested: 2, available: 0 }];
    for (const order of [cancelled, confirmed, rejectForShortages(pending, shortages, T1).order]) {
      expect(confirmReservation(order, T1)).toEqual({ order, events: [] });
      expect(rejectForShortages(order, shortages, T1)).toEqual({ order, events: [] });
    }
  });

  it('moves only along TRANSITIONS, final statuses stay final, and each change is one timeline entry', () => {
    type Step = (order: Order) => OrderChange;
    const steps: Record<string, Step> = {
      reserved: (order) => confirmReservation(order, T1),
      rejected: (order) => rejectForShortages(order, [], T1),
      cancelByCustomer: (order) => cancelOrder(order, { by: 'customer' }, T1),
      cancelByAdmin: (order) => cancelOrder(order, { by: 'admin' }, T1),
      ship: (order) => shipOrder(order, T1),
    };
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...Object.keys(steps)), { maxLength: 12 }), (names) => {
        let order = pending;
        let changes = 0;
        const seen: OrderStatus[] = ['pending'];
        for (const name of names) {
          const before = order.status;
          try {
            const change = steps[name]!(order);
            if (change.events.length) {
              expect(TRANSITIONS[before]).toContain(change.order.status);
              changes++;
              seen.push(change.order.status);
            } else {
              expect(change.order).toBe(order);
            }
            order = change.order;
          } catch (error) {
            expect(error).toBeInstanceOf(TransitionRefusedError);
          }
        }
        expect(order.timeline.map((entry) => entry.status)).toEqual(seen);
        expect(order.timeline).toHaveLength(changes + 1);
      }),
    );
  });
});

describe('the product projection', () => {
  const product = (version: number, fields = {}) => ({
    id: 'p1',
    sku: 'S1',
    name: `v${version}`,
    priceCents: 100 * version,
    currency: 'EUR',
    status: 'active' as const,
    version,
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  });

  it('keeps the newest version whatever the arrival order', () => {
    const v1 = project(undefined, product(1))!;
    const v3 = project(v1, product(3, { status: 'archived' }))!;
    expect(v3).toEqual({ id: 'p1', name: 'v3', priceCents: 300, currency: 'EUR', active: false, version: 3 });
    expect(project(v3, product(2))).toBeUndefined();
    expect(project(v3, product(3))).toBeUndefined();
  });
});
