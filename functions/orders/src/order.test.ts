import type { Order, OrderStatus } from '@stockflow/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorizePayment,
  awaitPayment,
  cancelOrder,
  capturePayment,
  declinePayment,
  deliverOrder,
  expireHold,
  InspectionMismatchError,
  inspectReturn,
  MixedCurrenciesError,
  type OrderChange,
  placeOrder,
  ReturnNotAcceptedError,
  ReturnQuantityError,
  ReturnStepRefusedError,
  receiveReturn,
  recordPaymentRequest,
  refundPayment,
  rejectForShortages,
  requestReturn,
  shipOrder,
  TotalTooLargeError,
  TRANSITIONS,
  TransitionRefusedError,
  UnknownReturnError,
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
const address = { line1: '12 Analytical Row', city: 'London', postalCode: 'SW1A 1AA', country: 'GB' };
const customer = { name: 'Ada', email: 'ada@example.com', address };
const T2 = '2026-01-01T00:02:00.000Z';
const T3 = '2026-01-01T00:20:00.000Z';
const HOLD = 900;
const payment = { paymentId: 'pay_1', amountCents: 1500, currency: 'EUR' };

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
          customer: { name: 'Ada', email: 'ada@example.com' },
        },
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('Analytical');
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
  const awaiting = awaitPayment(pending, T1, HOLD).order;
  const confirmed = authorizePayment(awaiting, payment, T2).order;

  it('holds a reserved order for payment until now + the hold, and asks for the payment', () => {
    const { order, events } = awaitPayment(pending, T1, HOLD);
    expect(order).toMatchObject({ status: 'awaiting-payment', holdExpiresAt: '2026-01-01T00:16:00.000Z' });
    expect(order.shipments).toEqual([
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
    expect(order.timeline).toEqual([
      { status: 'pending', at: T0 },
      { status: 'awaiting-payment', at: T1 },
    ]);
    expect(events).toEqual([
      {
        type: 'io.stockflow.order.awaiting-payment',
        subject: 'o1',
        data: { orderId: 'o1', totalCents: 1500, currency: 'EUR', holdExpiresAt: '2026-01-01T00:16:00.000Z' },
      },
    ]);
  });

  it('keeps the payment link once, as a timeline step, announcing nothing', () => {
    const link = { paymentId: 'pay_1', checkoutUrl: 'https://pay.example/cs_1', expiresAt: T3 };
    const { order, events } = recordPaymentRequest(awaiting, link, T2);
    expect(events).toEqual([]);
    expect(order.status).toBe('awaiting-payment');
    expect(order.payment).toEqual({ ...link, status: 'requested' });
    expect(order.timeline.at(-1)).toEqual({
      status: 'awaiting-payment',
      at: T2,
      reason: 'payment requested',
    });
    expect(recordPaymentRequest(order, { ...link, paymentId: 'pay_2' }, T2).order).toBe(order);
    expect(recordPaymentRequest(confirmed, link, T2).order).toBe(confirmed);
  });

  it('confirms on authorization; cancels on a decline keeping the message for the shopper', () => {
    const ok = authorizePayment(awaiting, payment, T2);
    expect(ok.order).toMatchObject({
      status: 'confirmed',
      payment: { paymentId: 'pay_1', status: 'authorized' },
    });
    expect(ok.events).toEqual([
      { type: 'io.stockflow.order.confirmed', subject: 'o1', data: { orderId: 'o1' } },
    ]);
    const declined = declinePayment(awaiting, { paymentId: 'pay_1', message: 'Your card was declined.' }, T2);
    expect(declined.order).toMatchObject({
      status: 'cancelled',
      cancelCause: 'payment-declined',
      payment: { status: 'declined', declineMessage: 'Your card was declined.' },
    });
    expect(declined.events).toEqual([
      {
        type: 'io.stockflow.order.cancelled',
        subject: 'o1',
        data: { orderId: 'o1', reason: 'the payment was declined', cause: 'payment-declined' },
      },
    ]);
  });

  it('expires an unpaid hold once it has passed, and nothing else', () => {
    expect(expireHold(awaiting, '2026-01-01T00:15:59.999Z').order).toBe(awaiting);
    const { order, events } = expireHold(awaiting, '2026-01-01T00:16:00.000Z');
    expect(order).toMatchObject({ status: 'cancelled', cancelCause: 'payment-expired' });
    expect(events[0]).toMatchObject({
      type: 'io.stockflow.order.cancelled',
      data: { cause: 'payment-expired' },
    });
    for (const other of [pending, confirmed, order])
      expect(expireHold(other, '2030-01-01T00:00:00.000Z').order).toBe(other);
    expect(expireHold(confirmed, '2027-01-01T00:00:00.000Z').order).toBe(confirmed);
  });

  it('ignores payment news for an order that moved on: a late authorization leaves it cancelled', () => {
    const expired = expireHold(awaiting, '2026-01-01T00:16:00.000Z').order;
    for (const order of [pending, expired, confirmed]) {
      expect(authorizePayment(order, payment, T3)).toEqual({ order, events: [] });
      expect(declinePayment(order, { paymentId: 'p', message: 'no' }, T3)).toEqual({ order, events: [] });
    }
  });

  it('records capture and refunds as timeline steps; a refund for a return marks it refunded', () => {
    const shipped = shipOrder(confirmed, T2).order;
    const captured = capturePayment(shipped, payment, T2);
    expect(captured.events).toEqual([]);
    expect(captured.order.payment).toMatchObject({ status: 'captured', capturedCents: 1500 });
    expect(captured.order.timeline.at(-1)).toEqual({
      status: 'shipped',
      at: T2,
      reason: 'payment captured: 15.00 EUR',
    });
    expect(capturePayment(captured.order, payment, T3).order).toBe(captured.order);
    const delivered = deliverOrder(captured.order, T2, 30).order;
    const returned = requestReturn(delivered, { items: [{ productId: 'p1', quantity: 1 }] }, T3).order;
    const part = refundPayment(returned, { ...payment, amountCents: 250, returnId: 'r-1' }, T3).order;
    expect(part.payment).toMatchObject({ status: 'partially-refunded', refundedCents: 250 });
    expect(part.returns?.[0]?.status).toBe('refunded');
    expect(part.timeline.at(-1)?.reason).toBe('payment refunded: 2.50 EUR (return r-1)');
    const all = refundPayment(part, { ...payment, amountCents: 1250 }, T3).order;
    expect(all.payment).toMatchObject({ status: 'refunded', refundedCents: 1500 });
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

  it('cancels from pending, awaiting-payment and confirmed, naming the cause', () => {
    const byCustomer = cancelOrder(awaiting, { by: 'customer' }, T1);
    expect(byCustomer.order).toMatchObject({ status: 'cancelled', cancelCause: 'customer' });
    expect(byCustomer.events).toEqual([
      {
        type: 'io.stockflow.order.cancelled',
        subject: 'o1',
        data: { orderId: 'o1', reason: 'cancelled by the customer', cause: 'customer' },
      },
    ]);
    expect(cancelOrder(pending, { by: 'customer' }, T1).order.status).toBe('cancelled');
    const byAdmin = cancelOrder(confirmed, { by: 'admin', reason: 'fraud check' }, T1);
    expect(byAdmin.order.timeline.at(-1)).toEqual({ status: 'cancelled', at: T1, reason: 'fraud check' });
    expect(byAdmin.events[0]).toMatchObject({ data: { cause: 'staff' } });
  });

  it('ships only a confirmed order, delivers only a shipped one with its return window', () => {
    expect(shipOrder(confirmed, T1).order.status).toBe('shipped');
    expect(shipOrder(confirmed, T1).events[0]!.type).toBe('io.stockflow.order.shipped');
    expect(() => shipOrder(awaiting, T1)).toThrowError(TransitionRefusedError);
    const { order, events } = deliverOrder(shipOrder(confirmed, T1).order, T2, 30);
    expect(order).toMatchObject({
      status: 'delivered',
      deliveredAt: T2,
      returnUntil: '2026-01-31T00:02:00.000Z',
    });
    expect(events).toEqual([
      {
        type: 'io.stockflow.order.delivered',
        subject: 'o1',
        data: { orderId: 'o1', returnUntil: '2026-01-31T00:02:00.000Z' },
      },
    ]);
    expect(() => deliverOrder(confirmed, T2, 30)).toThrowError(TransitionRefusedError);
  });

  it('refuses commands from final statuses', () => {
    const cancelled = cancelOrder(pending, { by: 'customer' }, T1).order;
    const delivered = deliverOrder(shipOrder(confirmed, T1).order, T1, 30).order;
    for (const order of [cancelled, delivered]) {
      expect(() => cancelOrder(order, { by: 'admin' }, T1)).toThrowError(TransitionRefusedError);
      expect(() => shipOrder(order, T1)).toThrowError(TransitionRefusedError);
      expect(() => deliverOrder(order, T1, 30)).toThrowError(TransitionRefusedError);
    }
  });

  it('ignores stock news for an order that moved on: a cancelled order stays cancelled', () => {
    const cancelled = cancelOrder(pending, { by: 'customer' }, T1).order;
    const shortages = [{ productId: 'p1', requested: 2, available: 0 }];
    for (const order of [cancelled, awaiting, confirmed, rejectForShortages(pending, shortages, T1).order]) {
      expect(awaitPayment(order, T1, HOLD)).toEqual({ order, events: [] });
      expect(rejectForShortages(order, shortages, T1)).toEqual({ order, events: [] });
    }
  });

  it('moves only along TRANSITIONS, final statuses stay final, and each change is one timeline entry', () => {
    type Step = (order: Order) => OrderChange;
    const steps: Record<string, Step> = {
      reserved: (order) => awaitPayment(order, T1, HOLD),
      rejected: (order) => rejectForShortages(order, [], T1),
      authorized: (order) => authorizePayment(order, payment, T1),
      declined: (order) => declinePayment(order, { paymentId: 'p', message: 'no' }, T1),
      expired: (order) => expireHold(order, '2030-01-01T00:00:00.000Z'),
      cancelByCustomer: (order) => cancelOrder(order, { by: 'customer' }, T1),
      cancelByAdmin: (order) => cancelOrder(order, { by: 'admin' }, T1),
      ship: (order) => shipOrder(order, T1),
      deliver: (order) => deliverOrder(order, T1, 30),
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

describe('returns', () => {
  const shipped = shipOrder(
    authorizePayment(awaitPayment(place().order, T1, HOLD).order, payment, T1).order,
    T1,
  );
  const delivered = deliverOrder(shipped.order, T2, 30).order;
  const later = '2026-01-10T00:00:00.000Z';

  it('takes a request for delivered lines before returnUntil, numbering returns r-1, r-2', () => {
    const first = requestReturn(
      delivered,
      { items: [{ productId: 'p1', quantity: 1 }], reason: 'too big' },
      later,
    );
    expect(first.order.returns).toEqual([
      {
        id: 'r-1',
        status: 'requested',
        items: [{ productId: 'p1', quantity: 1 }],
        reason: 'too big',
        requestedAt: later,
        updatedAt: later,
      },
    ]);
    expect(first.order.timeline.at(-1)).toEqual({
      status: 'delivered',
      at: later,
      reason: 'return r-1 requested: 1 item',
    });
    expect(first.events).toEqual([
      {
        type: 'io.stockflow.return.requested',
        subject: 'o1',
        data: {
          orderId: 'o1',
          returnId: 'r-1',
          items: [{ productId: 'p1', quantity: 1 }],
          reason: 'too big',
        },
      },
    ]);
    const second = requestReturn(first.order, { items: [{ productId: 'p1', quantity: 1 }] }, later);
    expect(second.order.returns?.map((r) => r.id)).toEqual(['r-1', 'r-2']);
  });

  it('refuses more than delivered less already asked back, products not ordered, and out of window', () => {
    const first = requestReturn(delivered, { items: [{ productId: 'p1', quantity: 1 }] }, later).order;
    expect(() => requestReturn(first, { items: [{ productId: 'p1', quantity: 2 }] }, later)).toThrowError(
      ReturnQuantityError,
    );
    try {
      requestReturn(delivered, { items: [{ productId: 'zz', quantity: 1 }] }, later);
      expect.unreachable();
    } catch (error) {
      expect((error as ReturnQuantityError).products).toEqual([{ productId: 'zz', returnable: 0 }]);
    }
    expect(() =>
      requestReturn(delivered, { items: [{ productId: 'p1', quantity: 1 }] }, delivered.returnUntil!),
    ).toThrowError(ReturnNotAcceptedError);
    expect(() =>
      requestReturn(shipped.order, { items: [{ productId: 'p1', quantity: 1 }] }, later),
    ).toThrowError(ReturnNotAcceptedError);
  });

  it('receives, then inspects with lines accounting exactly for the items; refund = all lines at their price', () => {
    const asked = requestReturn(
      delivered,
      {
        items: [
          { productId: 'p1', quantity: 2 },
          { productId: 'p2', quantity: 1 },
        ],
      },
      later,
    ).order;
    expect(() =>
      inspectReturn(asked, 'r-1', [{ productId: 'p2', quantity: 1, outcome: 'restocked' }], later),
    ).toThrowError(ReturnStepRefusedError);
    expect(() => receiveReturn(asked, 'r-9', 'default', later)).toThrowError(UnknownReturnError);
    const received = receiveReturn(asked, 'r-1', 'berlin', later);
    expect(received.order.returns?.[0]).toMatchObject({ status: 'received', locationId: 'berlin' });
    expect(received.events).toEqual([
      {
        type: 'io.stockflow.return.received',
        subject: 'o1',
        data: { orderId: 'o1', returnId: 'r-1', locationId: 'berlin' },
      },
    ]);
    expect(() => receiveReturn(received.order, 'r-1', 'berlin', later)).toThrowError(ReturnStepRefusedError);
    for (const lines of [
      [{ productId: 'p1', quantity: 2, outcome: 'restocked' as const }],
      [
        { productId: 'p1', quantity: 1, outcome: 'restocked' as const },
        { productId: 'p2', quantity: 1, outcome: 'restocked' as const },
      ],
      [
        { productId: 'p1', quantity: 2, outcome: 'restocked' as const },
        { productId: 'p2', quantity: 1, outcome: 'restocked' as const },
        { productId: 'p3', quantity: 1, outcome: 'restocked' as const },
      ],
    ]) {
      expect(() => inspectReturn(received.order, 'r-1', lines, later)).toThrowError(InspectionMismatchError);
    }
    const lines = [
      { productId: 'p1', quantity: 1, outcome: 'restocked' as const },
      { productId: 'p1', quantity: 1, outcome: 'written-off' as const },
      { productId: 'p2', quantity: 1, outcome: 'written-off' as const },
    ];
    const inspected = inspectReturn(received.order, 'r-1', lines, later);
    expect(inspected.order.returns?.[0]).toMatchObject({ status: 'inspected', lines, refundCents: 1500 });
    expect(inspected.events).toEqual([
      {
        type: 'io.stockflow.return.inspected',
        subject: 'o1',
        data: {
          orderId: 'o1',
          returnId: 'r-1',
          locationId: 'berlin',
          lines,
          refundCents: 1500,
          currency: 'EUR',
        },
      },
    ]);
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
