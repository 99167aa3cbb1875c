/**
 * Returns through the whole stack: a paid order is shipped (captured), delivered, and the shopper
 * returns some or all of it with the order's token; staff receive the parcel at a location and
 * inspect it. Inventory books a restocked unit as `returned` and a written-off one as `returned`
 * then `damaged`; payments refunds the inspected lines at the sandbox; orders marks the return
 * refunded; notifications mails the refund once. No card number, address or email in any log line.
 */
import type { Movement, Order, Product } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  itWritesNoPrivateData,
  type LifecycleStack,
  lifecycleClient,
  newShopper,
  poll,
  sleep,
  startLifecycleStack,
} from './lifecycle.ts';

type Line = { productId: string; quantity: number };
type Inspected = Line & { outcome: 'restocked' | 'written-off' };

describe('returns through the whole stack', () => {
  let stack: LifecycleStack;
  let client: ReturnType<typeof lifecycleClient>;

  beforeAll(async () => {
    stack = await startLifecycleStack();
    client = lifecycleClient(stack);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** Places, pays, ships (captured) and delivers an order; resolves with its id and token. */
  async function deliveredOrder(items: Line[], email: ReturnType<typeof newShopper>) {
    const placed = await client.placeConfirmed(items, email);
    await client.shipAndCapture(placed.id);
    const delivered = await client.call<Order>(`/orders/${placed.id}/deliver`, { method: 'POST' });
    expect(delivered.status).toBe(200);
    expect(delivered.body.status).toBe('delivered');
    expect(Date.parse(delivered.body.returnUntil!)).toBeGreaterThan(Date.now() + 29 * 24 * 3600_000);
    return placed;
  }

  /** The shopper asks (with the order's token), staff receive at `default` and inspect. */
  async function returnAndInspect(orderId: string, token: string, items: Line[], lines: Inspected[]) {
    const requested = await client.call<Order>(`/orders/${orderId}/returns`, {
      method: 'POST',
      token,
      body: { items, reason: 'not as pictured' },
    });
    expect(requested.status).toBe(201);
    const returnId = requested.body.returns!.at(-1)!.id;
    expect(requested.body.returns!.at(-1)).toMatchObject({ status: 'requested', items });
    const received = await client.call<Order>(`/orders/${orderId}/returns/${returnId}/receive`, {
      method: 'POST',
      body: { locationId: 'default' },
    });
    expect(received.status).toBe(200);
    const inspected = await client.call<Order>(`/orders/${orderId}/returns/${returnId}/inspect`, {
      method: 'POST',
      body: { lines },
    });
    expect(inspected.status).toBe(200);
    return { returnId, inspected: inspected.body.returns!.find((r) => r.id === returnId)! };
  }

  const returnMovements = async (productId: string, returnId: string): Promise<Movement[]> =>
    (await client.movements(productId))
      .filter((m) => m.reference === `return:${returnId}`)
      .sort((a, b) => a.at.localeCompare(b.at) || b.delta - a.delta);

  it('a partial return restocks its line, refunds its part at the provider and mails the refund once', async () => {
    const bowl: Product = await client.stockedProduct('Return bowl', 1000, 10);
    const customer = newShopper('Ida');
    const placed = await deliveredOrder([{ productId: bowl.id, quantity: 3 }], customer);
    expect(await client.stock(bowl.id)).toMatchObject({ onHand: 7, reserved: 0 });

    const { returnId, inspected } = await returnAndInspect(
      placed.id,
      placed.token,
      [{ productId: bowl.id, quantity: 1 }],
      [{ productId: bowl.id, quantity: 1, outcome: 'restocked' }],
    );
    expect(inspected).toMatchObject({ status: 'inspected', refundCents: 1000, locationId: 'default' });

    await expect.poll(() => returnMovements(bowl.id, returnId), poll).toHaveLength(1);
    expect(await returnMovements(bowl.id, returnId)).toMatchObject([
      { reason: 'returned', delta: 1, locationId: 'default', before: 7, after: 8 },
    ]);
    expect(await client.stock(bowl.id)).toMatchObject({ onHand: 8, reserved: 0, available: 8 });

    await expect
      .poll(async () => (await client.order(placed.id)).returns?.[0]?.status, poll)
      .toBe('refunded');
    const order = await client.order(placed.id);
    expect(order.status).toBe('delivered');
    expect(order.payment).toMatchObject({
      status: 'partially-refunded',
      capturedCents: 3000,
      refundedCents: 1000,
    });
    const reasons = order.timeline.map((entry) => entry.reason ?? '').join('\n');
    expect(reasons).toMatch(new RegExp(`return ${returnId}`));
    expect(client.sandboxPayment(placed.id)).toMatchObject({
      status: 'partially-refunded',
      capturedAmount: 3000,
      refundedAmount: 1000,
    });
    expect(client.sandboxPayment(placed.id)!.refunds.map((r) => r.amount)).toEqual([1000]);
    expect(await client.payment(placed.id)).toMatchObject({
      status: 'partially-refunded',
      refundedCents: 1000,
    });
    const refunded = (await client.events(placed.id)).filter(
      (e) => e.type === 'io.stockflow.payment.refunded',
    );
    expect(refunded.map((e) => e.data)).toMatchObject([{ amountCents: 1000, cause: 'return', returnId }]);

    const refundMail = () => client.mailTo(customer.email).filter((m) => m.subject.startsWith('A refund'));
    await expect.poll(() => refundMail().length, poll).toBe(1);
    expect(refundMail()[0]!.subject).toBe(`A refund of €10.00 for your order ${placed.id}`);
    expect(refundMail()[0]!.text).toContain(`return ${returnId}`);
    await sleep(1_000);
    expect(refundMail()).toHaveLength(1);
  });

  it('a full return with a written-off line books returned then damaged, and refunds every line', async () => {
    const cup: Product = await client.stockedProduct('Return cup', 500, 6);
    const jug: Product = await client.stockedProduct('Return jug', 2000, 4);
    const customer = newShopper('Jo');
    const items = [
      { productId: cup.id, quantity: 2 },
      { productId: jug.id, quantity: 1 },
    ];
    const placed = await deliveredOrder(items, customer);
    expect(await client.stock(cup.id)).toMatchObject({ onHand: 4 });
    expect(await client.stock(jug.id)).toMatchObject({ onHand: 3 });

    const { returnId, inspected } = await returnAndInspect(placed.id, placed.token, items, [
      { productId: cup.id, quantity: 2, outcome: 'restocked' },
      { productId: jug.id, quantity: 1, outcome: 'written-off' },
    ]);
    // Every line is refunded, restocked or written off.
    expect(inspected.refundCents).toBe(3000);

    await expect.poll(() => returnMovements(jug.id, returnId), poll).toHaveLength(2);
    expect(await returnMovements(jug.id, returnId)).toMatchObject([
      { reason: 'returned', delta: 1, locationId: 'default', before: 3, after: 4 },
      { reason: 'damaged', delta: -1, locationId: 'default', before: 4, after: 3 },
    ]);
    await expect.poll(() => returnMovements(cup.id, returnId), poll).toHaveLength(1);
    expect(await returnMovements(cup.id, returnId)).toMatchObject([
      { reason: 'returned', delta: 2, before: 4, after: 6 },
    ]);
    expect(await client.stock(cup.id)).toMatchObject({ onHand: 6, reserved: 0 });
    expect(await client.stock(jug.id)).toMatchObject({ onHand: 3, reserved: 0 });

    await expect
      .poll(async () => (await client.order(placed.id)).returns?.[0]?.status, poll)
      .toBe('refunded');
    expect((await client.order(placed.id)).payment).toMatchObject({
      status: 'refunded',
      capturedCents: 3000,
      refundedCents: 3000,
    });
    expect(client.sandboxPayment(placed.id)).toMatchObject({ status: 'refunded', refundedAmount: 3000 });
    expect(await client.payment(placed.id)).toMatchObject({ status: 'refunded', refundedCents: 3000 });
    // A return of what is already returned is refused, and changes nothing.
    const again = await client.call(`/orders/${placed.id}/returns`, {
      method: 'POST',
      token: placed.token,
      body: { items: [{ productId: cup.id, quantity: 1 }] },
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);

    const refundMail = () => client.mailTo(customer.email).filter((m) => m.subject.startsWith('A refund'));
    await expect.poll(() => refundMail().length, poll).toBe(1);
    expect(refundMail()[0]!.subject).toBe(`A refund of €30.00 for your order ${placed.id}`);
    await sleep(1_000);
    expect(refundMail()).toHaveLength(1);
    expect(await client.paymentEventCounts(placed.id)).toEqual({
      'payment.requested': 1,
      'payment.authorized': 1,
      'payment.captured': 1,
      'payment.refunded': 1,
    });
  });

  itWritesNoPrivateData(() => stack);
});
