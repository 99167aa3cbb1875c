/**
 * An unpaid order's hold runs out through the whole stack: inventory reserves, orders holds the order
 * for payment for `PAYMENT_HOLD_SECONDS` (2 s here, through the stack's env), and the next tick of
 * orders' PingSource — fired on demand with `stack.mesh.ping` rather than awaited for a minute —
 * cancels it (cause payment-expired), so inventory releases the stock.
 */
import { randomUUID } from 'node:crypto';
import type { Order, PlacedOrder, Product } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './stack.ts';

const HOLD_SECONDS = 2;
const poll = { timeout: 30_000, interval: 100 };
const customer = {
  name: 'Grace Hopper',
  email: 'grace@example.com',
  address: { line1: '1 Harbor Way', city: 'Arlington', postalCode: '22201', country: 'US' },
};

describe('the payment hold through the whole stack', () => {
  let stack: TestStack;

  async function call<T>(
    fn: string,
    path: string,
    { method = 'GET', body }: { method?: string; body?: unknown } = {},
  ) {
    const base = stack.urls.web ? `${stack.urls.web}/api/${fn}` : stack.urls.services[fn];
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  beforeAll(async () => {
    stack = await startTestStack({ env: { PAYMENT_HOLD_SECONDS: String(HOLD_SECONDS) } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('cancels an order left unpaid past its hold on the next tick, and inventory releases its stock', async () => {
    const sku = `HOLD-${randomUUID().slice(0, 8)}`.toUpperCase();
    const created = await call<Product>('catalog', '/products', {
      method: 'POST',
      body: { sku, name: 'Held item', priceCents: 700, currency: 'EUR' },
    });
    expect(created.status).toBe(201);
    const productId = created.body.id;
    const id = randomUUID();
    expect(
      await stack.publish({
        type: 'io.stockflow.goods.received',
        source: '/partners/warehouse',
        id,
        subject: productId,
        data: { productId, quantity: 5, reference: `delivery-${id}` },
      }),
    ).toBe(202);
    const stock = async () =>
      (
        await call<{ onHand: number; reserved: number; available: number }>(
          'inventory',
          `/stock/${productId}`,
        )
      ).body;
    await expect.poll(async () => (await stock()).onHand, poll).toBe(5);
    const place = () =>
      call<PlacedOrder>('orders', '/', {
        method: 'POST',
        body: { items: [{ productId, quantity: 2 }], customer },
      });
    // Orders refuses the product (422) until product.created reaches its projection.
    let placed: PlacedOrder | undefined;
    await expect
      .poll(async () => {
        const res = await place();
        if (res.status === 202) placed = res.body;
        return res.status;
      }, poll)
      .toBe(202);
    const order = async (orderId: string) => (await call<Order>('orders', `/${orderId}`)).body;
    const mine = [placed!.id];
    await expect.poll(async () => (await order(placed!.id)).status, poll).toBe('awaiting-payment');
    const held = await order(mine[0]!);
    expect(Date.parse(held.holdExpiresAt!) - Date.parse(held.updatedAt)).toBe(HOLD_SECONDS * 1000);
    await expect.poll(async () => (await stock()).reserved, poll).toBe(2 * mine.length);
    await new Promise((resolve) => setTimeout(resolve, HOLD_SECONDS * 1000 + 200));
    expect(await stack.mesh.ping('orders-outbox-sweep')).toBe(true);
    for (const orderId of mine) {
      expect(await order(orderId)).toMatchObject({ status: 'cancelled', cancelCause: 'payment-expired' });
    }
    await expect.poll(async () => stock(), poll).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });
});
