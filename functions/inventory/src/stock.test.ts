import { EVENTS, type Product } from '@stockflow/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareRebuild, rebuildLevels } from './rebuild.ts';
import {
  adjustStock,
  allocate,
  applyProduct,
  auditStock,
  available,
  type Change,
  commitShippedOrder,
  countStock,
  newStockItem,
  type Reservation,
  receiveGoods,
  releaseOrderStock,
  reserveOrderStock,
  returnGoods,
  StockBelowReservedError,
  type StockItem,
  setLowStockThreshold,
  shipShipment,
  stockLevel,
} from './stock.ts';
import {
  dispatchTransfer,
  receiveTransfer,
  requestTransfer,
  TransferRefusedError,
  TransferShortError,
} from './transfers.ts';

const ctx = { now: '2026-01-01T00:00:00.000Z', defaultLowStockThreshold: 5 };

const item = (
  productId: string,
  onHand: number,
  reserved = 0,
  extra: Partial<StockItem> = {},
): StockItem => ({
  // Stored as before locations (no map): all of it in the default location.
  ...withoutLocations(newStockItem(productId, ctx)),
  onHand,
  reserved,
  productVersion: 1,
  ...extra,
});

function withoutLocations(stock: StockItem): StockItem {
  const { locations: _locations, ...legacy } = stock;
  return legacy;
}

const lookup =
  (...items: StockItem[]) =>
  (productId: string) =>
    items.find((i) => i.productId === productId);

/** Every event a transition causes satisfies its contract schema. */
function expectValidEvents(change: Change) {
  for (const event of change.events) {
    expect(EVENTS[event.type].data.safeParse(event.data).success, event.type).toBe(true);
  }
}

const product = (id: string, version: number, status: Product['status'] = 'active'): Product => ({
  id,
  sku: id.toUpperCase(),
  name: id,
  priceCents: 100,
  currency: 'EUR',
  status,
  version,
  createdAt: ctx.now,
  updatedAt: ctx.now,
});

describe('reserveOrderStock: every line or none', () => {
  it('reserves every line, merging lines of the same product', () => {
    const change = reserveOrderStock(
      {
        orderId: 'o1',
        items: [
          { productId: 'a', quantity: 2 },
          { productId: 'b', quantity: 1 },
          { productId: 'a', quantity: 3 },
        ],
      },
      undefined,
      lookup(item('a', 20), item('b', 10)),
      ctx,
    );
    expect(change.items.map((i) => [i.productId, i.reserved, i.onHand])).toEqual([
      ['a', 5, 20],
      ['b', 1, 10],
    ]);
    expect(change.reservation).toMatchObject({ orderId: 'o1', state: 'reserved' });
    expect(change.events).toEqual([
      {
        type: 'io.stockflow.stock.reserved',
        subject: 'o1',
        data: {
          orderId: 'o1',
          items: [
            { productId: 'a', quantity: 5 },
            { productId: 'b', quantity: 1 },
          ],
          allocations: [
            { productId: 'a', locationId: 'default', quantity: 5 },
            { productId: 'b', locationId: 'default', quantity: 1 },
          ],
        },
      },
    ]);
    expectValidEvents(change);
  });

  it('reserves nothing when one line is short, naming only the short lines', () => {
    const change = reserveOrderStock(
      {
        orderId: 'o1',
        items: [
          { productId: 'a', quantity: 2 },
          { productId: 'b', quantity: 4 },
        ],
      },
      undefined,
      lookup(item('a', 20), item('b', 10, 7)),
      ctx,
    );
    expect(change.items).toEqual([]);
    expect(change.reservation).toMatchObject({ state: 'rejected' });
    expect(change.events).toEqual([
      {
        type: 'io.stockflow.stock.rejected',
        subject: 'o1',
        data: { orderId: 'o1', shortages: [{ productId: 'b', requested: 4, available: 3 }] },
      },
    ]);
    expectValidEvents(change);
  });

  it('has nothing available of an unknown or archived product', () => {
    const change = reserveOrderStock(
      {
        orderId: 'o1',
        items: [
          { productId: 'ghost', quantity: 1 },
          { productId: 'old', quantity: 1 },
        ],
      },
      undefined,
      lookup(item('old', 50, 0, { archived: true })),
      ctx,
    );
    expect(change.events[0]).toMatchObject({
      type: 'io.stockflow.stock.rejected',
      data: {
        shortages: [
          { productId: 'ghost', requested: 1, available: 0 },
          { productId: 'old', requested: 1, available: 0 },
        ],
      },
    });
  });

  it('changes nothing for an order already decided, or cancelled before it was placed', () => {
    const order = { orderId: 'o1', items: [{ productId: 'a', quantity: 1 }] };
    const stock = lookup(item('a', 20));
    const decided: Reservation = {
      orderId: 'o1',
      state: 'reserved',
      items: order.items,
      shortages: [],
      updatedAt: ctx.now,
    };
    const again = reserveOrderStock(order, decided, stock, ctx);
    expect(again).toMatchObject({ items: [], events: [] });
    expect(again.reservation).toBeUndefined();
    expect(again.notice).toMatch(/placed again/);
    const tombstone = releaseOrderStock('o1', undefined, stock, ctx).reservation!;
    expect(reserveOrderStock(order, tombstone, stock, ctx)).toEqual({ items: [], events: [] });
  });

  it('announces stock.low when the reservation takes available to the threshold', () => {
    const order = (quantity: number) => ({ orderId: 'o', items: [{ productId: 'a', quantity }] });
    expect(
      reserveOrderStock(order(4), undefined, lookup(item('a', 10)), ctx).events.map((e) => e.type),
    ).toEqual(['io.stockflow.stock.reserved']);
    const crossing = reserveOrderStock(order(5), undefined, lookup(item('a', 10)), ctx);
    expect(crossing.events[1]).toEqual({
      type: 'io.stockflow.stock.low',
      subject: 'a',
      data: { productId: 'a', available: 5, threshold: 5 },
    });
    expectValidEvents(crossing);
    // Already low: no second alert.
    expect(reserveOrderStock(order(1), undefined, lookup(item('a', 10, 5)), ctx).events).toHaveLength(1);
  });
});

describe('releaseOrderStock and commitShippedOrder', () => {
  const reserved = (quantity: number): Reservation => ({
    orderId: 'o1',
    state: 'reserved',
    items: [{ productId: 'a', quantity }],
    shortages: [],
    updatedAt: ctx.now,
  });

  it('releases a reservation: reserved drops, onHand stays', () => {
    const change = releaseOrderStock('o1', reserved(3), lookup(item('a', 10, 3)), ctx);
    expect(change.items).toMatchObject([{ productId: 'a', onHand: 10, reserved: 0 }]);
    expect(change.reservation?.state).toBe('released');
    expect(change.events).toEqual([
      {
        type: 'io.stockflow.stock.released',
        subject: 'o1',
        data: { orderId: 'o1', items: [{ productId: 'a', quantity: 3 }] },
      },
    ]);
    expectValidEvents(change);
  });

  it('leaves a tombstone when the cancel comes first, and nothing to do after a rejection', () => {
    expect(releaseOrderStock('o1', undefined, lookup(), ctx)).toMatchObject({
      items: [],
      events: [],
      reservation: { orderId: 'o1', state: 'cancelled', items: [] },
    });
    const rejected = { ...reserved(3), state: 'rejected' as const };
    expect(releaseOrderStock('o1', rejected, lookup(item('a', 10)), ctx)).toEqual({ items: [], events: [] });
  });

  it('commits a reservation: onHand and reserved drop together, available stays', () => {
    const before = item('a', 10, 3);
    const change = commitShippedOrder('o1', reserved(3), lookup(before), ctx);
    expect(change.items).toMatchObject([{ onHand: 7, reserved: 0 }]);
    expect(available(change.items[0]!)).toBe(available(before));
    expect(change.reservation?.state).toBe('committed');
    expect(change.events.map((e) => e.type)).toEqual(['io.stockflow.stock.committed']);
    expectValidEvents(change);
  });

  it('records a shipment with nothing reserved and moves no stock', () => {
    const early = commitShippedOrder('o1', undefined, lookup(item('a', 10)), ctx);
    expect(early).toMatchObject({ items: [], events: [], reservation: { state: 'shipped' } });
    expect(early.notice).toMatch(/nothing reserved/);
    const released = { ...reserved(3), state: 'released' as const };
    expect(commitShippedOrder('o1', released, lookup(item('a', 10)), ctx)).toMatchObject({
      items: [],
      events: [],
    });
  });

  it('refuses to release more than the item holds (a broken stock equation)', () => {
    expect(() => releaseOrderStock('o1', reserved(3), lookup(item('a', 10, 1)), ctx)).toThrow(
      /only 1 is reserved/,
    );
  });
});

describe('adjustments, goods received, thresholds and products', () => {
  it('adjusts onHand, creating the record before the product is known', () => {
    const change = adjustStock('new', undefined, { delta: 12, reason: 'first count' }, ctx);
    expect(change.items).toMatchObject([{ productId: 'new', onHand: 12, reserved: 0, productVersion: 0 }]);
    expect(change.events).toEqual([
      {
        type: 'io.stockflow.stock.adjusted',
        subject: 'new',
        data: {
          productId: 'new',
          locationId: 'default',
          delta: 12,
          reason: 'first count',
          onHand: 12,
          reserved: 0,
          available: 12,
        },
      },
    ]);
    expectValidEvents(change);
  });

  it('refuses to take onHand below reserved', () => {
    expect(() => adjustStock('a', item('a', 10, 4), { delta: -7, reason: 'broken' }, ctx)).toThrow(
      StockBelowReservedError,
    );
    expect(() => adjustStock('a', undefined, { delta: -1, reason: 'x' }, ctx)).toThrow(
      StockBelowReservedError,
    );
    expect(adjustStock('a', item('a', 10, 4), { delta: -6, reason: 'broken' }, ctx).items[0]).toMatchObject({
      onHand: 4,
      reserved: 4,
    });
  });

  it('announces stock.low when an adjustment crosses the threshold downwards', () => {
    const change = adjustStock('a', item('a', 10), { delta: -6, reason: 'shrinkage' }, ctx);
    expect(change.events.map((e) => e.type)).toEqual([
      'io.stockflow.stock.adjusted',
      'io.stockflow.stock.low',
    ]);
  });

  it('adds goods received to onHand, naming the reference', () => {
    const change = receiveGoods(item('a', 1), { productId: 'a', quantity: 40, reference: 'PO-7' }, ctx);
    expect(change.items[0]).toMatchObject({ onHand: 41 });
    expect(change.events[0]).toMatchObject({ data: { delta: 40, reason: 'goods received (PO-7)' } });
  });

  it('raising the threshold above what is available is low stock', () => {
    expect(setLowStockThreshold('a', item('a', 10), 10, ctx).events).toMatchObject([
      { type: 'io.stockflow.stock.low', data: { available: 10, threshold: 10 } },
    ]);
    expect(setLowStockThreshold('a', item('a', 10), 9, ctx).events).toEqual([]);
  });

  it('follows the catalog newest version first, keeping counted stock', () => {
    const created = applyProduct(undefined, product('a', 1), ctx).items[0]!;
    expect(created).toMatchObject({ onHand: 0, archived: false, productVersion: 1 });
    const counted = { ...item('a', 30, 0, { productVersion: 0 }) };
    expect(applyProduct(counted, product('a', 1), ctx).items[0]).toMatchObject({
      onHand: 30,
      productVersion: 1,
    });
    const archived = applyProduct(created, product('a', 3, 'archived'), ctx).items[0]!;
    expect(archived).toMatchObject({ archived: true, productVersion: 3 });
    expect(applyProduct(archived, product('a', 2), ctx)).toEqual({ items: [], events: [] });
  });

  it('shows zeros and the default threshold for a product without stock', () => {
    expect(stockLevel('x', undefined, 5)).toEqual({
      productId: 'x',
      onHand: 0,
      reserved: 0,
      available: 0,
      inTransit: 0,
      lowStockThreshold: 5,
      low: true,
      updatedAt: null,
      locations: [],
    });
  });
});

describe('auditStock', () => {
  it('finds reserved counts that reservations do not explain', () => {
    const held: Reservation = {
      orderId: 'o1',
      state: 'reserved',
      items: [{ productId: 'a', quantity: 2 }],
      shortages: [],
      updatedAt: ctx.now,
    };
    expect(auditStock([item('a', 5, 2)], [held])).toEqual([]);
    expect(auditStock([item('a', 5, 3)], [held])).toEqual(['a@default: reserved 3, reservations hold 2']);
    expect(auditStock([item('a', 1, 2)], [held])).toEqual(['a@default: reserved 2, onHand 1']);
    expect(auditStock([], [held])).toEqual(['a@default: 2 held, no stock there']);
  });
});

describe('the stock equation under any sequence of events', () => {
  const products = ['a', 'b', 'c'];
  const orders = ['o1', 'o2', 'o3', 'o4', 'o5'];
  const line = fc.record({
    productId: fc.constantFrom(...products),
    quantity: fc.integer({ min: 1, max: 6 }),
  });
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('place' as const),
      orderId: fc.constantFrom(...orders),
      items: fc.array(line, { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('cancel' as const), orderId: fc.constantFrom(...orders) }),
    fc.record({ kind: fc.constant('ship' as const), orderId: fc.constantFrom(...orders) }),
    fc.record({
      kind: fc.constant('adjust' as const),
      productId: fc.constantFrom(...products),
      delta: fc.integer({ min: -8, max: 8 }).filter((d) => d !== 0),
    }),
    fc.record({
      kind: fc.constant('archive' as const),
      productId: fc.constantFrom(...products),
      version: fc.integer({ min: 1, max: 4 }),
    }),
  );

  it('holds after every step: 0 ≤ reserved ≤ onHand, reserved = what reservations hold', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const stock = new Map<string, StockItem>();
        const reservations = new Map<string, Reservation>();
        const stockOf = (id: string) => stock.get(id);
        for (const s of steps) {
          let change: Change;
          try {
            if (s.kind === 'place') change = reserveOrderStock(s, reservations.get(s.orderId), stockOf, ctx);
            else if (s.kind === 'cancel')
              change = releaseOrderStock(s.orderId, reservations.get(s.orderId), stockOf, ctx);
            else if (s.kind === 'ship')
              change = commitShippedOrder(s.orderId, reservations.get(s.orderId), stockOf, ctx);
            else if (s.kind === 'adjust')
              change = adjustStock(
                s.productId,
                stock.get(s.productId),
                { delta: s.delta, reason: 'count' },
                ctx,
              );
            else
              change = applyProduct(stock.get(s.productId), product(s.productId, s.version, 'archived'), ctx);
          } catch (error) {
            expect(error).toBeInstanceOf(StockBelowReservedError);
            continue;
          }
          for (const i of change.items) stock.set(i.productId, i);
          if (change.reservation) reservations.set(change.reservation.orderId, change.reservation);
          expectValidEvents(change);
          expect(auditStock(stock.values(), reservations.values())).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('across locations, under any sequence (pure)', () => {
  const products = ['a', 'b'];
  const locationIds = ['default', 'north', 'south'];
  const locations = [
    { id: 'default', name: 'Default', priority: 0, active: true },
    { id: 'north', name: 'North', priority: 1, active: true },
    { id: 'south', name: 'South', priority: 2, active: false },
  ];
  const orders = ['o1', 'o2', 'o3', 'o4'];
  const at = fc.constantFrom(...locationIds);
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('place' as const),
      orderId: fc.constantFrom(...orders),
      items: fc.array(
        fc.record({ productId: fc.constantFrom(...products), quantity: fc.integer({ min: 1, max: 9 }) }),
        { minLength: 1, maxLength: 2 },
      ),
    }),
    fc.record({ kind: fc.constant('cancel' as const), orderId: fc.constantFrom(...orders) }),
    fc.record({ kind: fc.constant('ship' as const), orderId: fc.constantFrom(...orders) }),
    fc.record({ kind: fc.constant('shipAt' as const), orderId: fc.constantFrom(...orders), locationId: at }),
    fc.record({
      kind: fc.constant('count' as const),
      productId: fc.constantFrom(...products),
      locationId: at,
      counted: fc.integer({ min: 0, max: 12 }),
    }),
    fc.record({
      kind: fc.constant('transfer' as const),
      productId: fc.constantFrom(...products),
      from: at,
      to: at,
      quantity: fc.integer({ min: 1, max: 6 }),
      arrived: fc.integer({ min: 0, max: 7 }),
    }),
    fc.record({
      kind: fc.constant('return' as const),
      orderId: fc.constantFrom(...orders),
      // `west` is not configured: the goods go to the default location.
      locationId: fc.constantFrom(...locationIds, 'west'),
      lines: fc.array(
        fc.record({
          productId: fc.constantFrom(...products),
          quantity: fc.integer({ min: 1, max: 4 }),
          outcome: fc.constantFrom('restocked' as const, 'written-off' as const),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  );

  it('never takes any location negative, allocates only active ones, and the movements rebuild onHand', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 50 }),
        fc.constantFrom<'priority' | 'most-stock'>('priority', 'most-stock'),
        (steps, strategy) => {
          const c = { ...ctx, locations, strategy };
          const stock = new Map<string, StockItem>();
          const reservations = new Map<string, Reservation>();
          const movements: Array<{ productId: string; locationId: string; delta: number }> = [];
          const stockOf = (id: string) => stock.get(id);
          for (const s of steps) {
            let change: Change;
            try {
              if (s.kind === 'place') change = reserveOrderStock(s, reservations.get(s.orderId), stockOf, c);
              else if (s.kind === 'cancel')
                change = releaseOrderStock(s.orderId, reservations.get(s.orderId), stockOf, c);
              else if (s.kind === 'ship')
                change = commitShippedOrder(s.orderId, reservations.get(s.orderId), stockOf, c);
              else if (s.kind === 'shipAt')
                change = shipShipment(
                  { orderId: s.orderId, shipmentId: s.locationId, locationId: s.locationId },
                  reservations.get(s.orderId),
                  stockOf,
                  c,
                );
              else if (s.kind === 'count') change = countStock(s.productId, stock.get(s.productId), s, c);
              else if (s.kind === 'return') change = returnGoods({ ...s, returnId: 'r' }, stockOf, c);
              else {
                const requested = requestTransfer('t', { from: s.from, to: s.to, lines: [s] }, c).transfer!;
                const sent = dispatchTransfer(requested, stockOf, c);
                for (const i of sent.items) stock.set(i.productId, i);
                movements.push(...(sent.movements ?? []));
                const reason = s.arrived === s.quantity ? undefined : 'damaged on the way';
                const lines = [{ productId: s.productId, quantity: s.arrived }];
                change = receiveTransfer(
                  sent.transfer!,
                  { lines, ...(reason ? { reason } : {}) },
                  stockOf,
                  c,
                );
              }
            } catch (error) {
              expect(error).toSatisfy(
                (e) =>
                  e instanceof StockBelowReservedError ||
                  e instanceof TransferShortError ||
                  e instanceof TransferRefusedError,
              );
              continue;
            }
            for (const i of change.items) stock.set(i.productId, i);
            if (change.reservation) reservations.set(change.reservation.orderId, change.reservation);
            movements.push(...(change.movements ?? []));
            expectValidEvents(change);
            for (const r of reservations.values()) {
              for (const a of r.state === 'reserved' && s.kind === 'place' && r.orderId === s.orderId
                ? (r.allocations ?? [])
                : []) {
                expect(a.locationId).not.toBe('south');
              }
            }
            expect(auditStock(stock.values(), reservations.values())).toEqual([]);
            expect(compareRebuild(stock.values(), rebuildLevels(movements))).toEqual([]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('splits a line by priority, or takes the fullest location first with most-stock', () => {
    let a = item('a', 0);
    a = countStock('a', a, { counted: 3, locationId: 'default' }, { ...ctx, locations }).items[0]!;
    a = countStock('a', a, { counted: 9, locationId: 'north' }, { ...ctx, locations }).items[0]!;
    expect(allocate(a, 5, { locations, strategy: 'priority' })).toEqual([
      { productId: 'a', locationId: 'default', quantity: 3 },
      { productId: 'a', locationId: 'north', quantity: 2 },
    ]);
    expect(allocate(a, 5, { locations, strategy: 'most-stock' })).toEqual([
      { productId: 'a', locationId: 'north', quantity: 5 },
    ]);
    expect(allocate(a, 13, { locations, strategy: 'priority' })).toBeUndefined();
  });
});
