/**
 * An unpaid order's hold runs out through the whole stack: inventory reserves, orders holds the order
 * for payment for `PAYMENT_HOLD_SECONDS` (2 s here, through the stack's env), and the next tick of
 * orders' PingSource — fired on demand with `stack.mesh.ping` rather than awaited for a minute —
 * cancels it (cause payment-expired), so inventory releases the stock.
 */
import { randomUUID } from 'node:crypto';
import type { Order, PlacedOrder, Product } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  itWritesNoPrivateData,
  type LifecycleStack,
  lifecycleClient,
  newShopper,
  sleep,
  startLifecycleStack,
} from './lifecycle.ts';
import { CARDS } from './shopper.ts';

const HOLD_SECONDS = 2;
const poll = { timeout: 30_000, interval: 100 };
const customer = {
  name: 'Grace Hopper',
  email: 'grace@example.com',
  address: { line1: '1 Harbor Way', city: 'Arlington', postalCode: '22201', country: 'US' },
};

describe('the payment hold through the whole stack', () => {
  let stack: LifecycleStack;
  let client: ReturnType<typeof lifecycleClient>;

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
    stack = await startLifecycleStack({
      env: { PAYMENT_HOLD_SECONDS: String(HOLD_SECONDS), PAYMENT_RECONCILE_DELAY_MS: '500' },
    });
    client = lifecycleClient(stack);
  });

  /** Waits past the order's hold and fires orders' PingSource, which cancels it (payment-expired). */
  async function expire(orderId: string): Promise<void> {
    const { holdExpiresAt } = await client.order(orderId);
    await sleep(Math.max(0, Date.parse(holdExpiresAt!) - Date.now()) + 200);
    expect(await stack.mesh.ping('orders-outbox-sweep')).toBe(true);
    await expect
      .poll(() => client.order(orderId), poll)
      .toMatchObject({ status: 'cancelled', cancelCause: 'payment-expired' });
  }

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
    // From the reservation (the order may have moved on since: its payment link noted).
    const reservedAt = held.timeline.find((entry) => entry.status === 'awaiting-payment')!.at;
    expect(Date.parse(held.holdExpiresAt!) - Date.parse(reservedAt)).toBe(HOLD_SECONDS * 1000);
    await expect.poll(async () => (await stock()).reserved, poll).toBe(2 * mine.length);
    await new Promise((resolve) => setTimeout(resolve, HOLD_SECONDS * 1000 + 200));
    expect(await stack.mesh.ping('orders-outbox-sweep')).toBe(true);
    for (const orderId of mine) {
      expect(await order(orderId)).toMatchObject({ status: 'cancelled', cancelCause: 'payment-expired' });
    }
    await expect.poll(async () => stock(), poll).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });

  it('refunds an authorization that arrives after the hold expired (cause late-authorization), never keeps it', async () => {
    const item = await client.stockedProduct('Late lamp', 1900, 4);
    const customer = newShopper('Lou');
    const { placed, order } = await client.placeAwaitingPayment(
      [{ productId: item.id, quantity: 2 }],
      customer,
    );
    // The shopper pays in time, but the provider's webhook is late: it leaves after the hold ran out.
    stack.paymentSandbox.holdWebhooks();
    let released = false;
    try {
      expect(stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.approve).status).toBe('authorized');
      await expire(placed.id);
      await expect.poll(() => client.stock(item.id), poll).toMatchObject({ onHand: 4, reserved: 0 });
      // Payments learnt of the cancellation before the authorization reaches it.
      await expect
        .poll(async () => (await client.payment(placed.id)).cancelled, poll)
        .toEqual({ cause: 'payment-expired' });
      await stack.paymentSandbox.releaseWebhooks();
      released = true;
    } finally {
      if (!released) await stack.paymentSandbox.releaseWebhooks();
    }

    await expect.poll(async () => (await client.payment(placed.id)).status, poll).toBe('refunded');
    expect(await client.payment(placed.id)).toMatchObject({
      authorizedCents: 3800,
      capturedCents: 0,
      refundedCents: 3800,
    });
    expect(client.sandboxPayment(placed.id)).toMatchObject({
      status: 'refunded',
      capturedAmount: 0,
      refundedAmount: 3800,
    });
    await expect
      .poll(() => client.paymentEventCounts(placed.id), poll)
      .toEqual({ 'payment.requested': 1, 'payment.authorized': 1, 'payment.refunded': 1 });
    const refunded = (await client.events(placed.id)).find((e) => e.type === 'io.stockflow.payment.refunded');
    expect(refunded?.data).toMatchObject({ cause: 'late-authorization', amountCents: 3800 });
    const after = await client.order(placed.id);
    expect(after).toMatchObject({ status: 'cancelled', cancelCause: 'payment-expired' });
    await expect
      .poll(async () => (await client.order(placed.id)).payment, poll)
      .toMatchObject({ status: 'refunded', refundedCents: 3800 });
    expect(await client.stock(item.id)).toMatchObject({ onHand: 4, reserved: 0 });

    // The expiry's words, then the refund's; never a confirmation; each once.
    await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(2);
    await sleep(1_000);
    const [cancelled, refund] = client.mailTo(customer.email);
    expect(cancelled!.subject).toBe(`Your order ${placed.id} is cancelled`);
    expect(cancelled!.text).toContain('we did not receive your payment in time');
    expect(refund!.subject).toBe(`A refund of €38.00 for your order ${placed.id}`);
    expect(refund!.text).toContain('your payment arrived after the order had been cancelled');
    expect(client.mailTo(customer.email)).toHaveLength(2);
  });

  it('asks the provider about a paid order whose webhook never came, once it expired, and refunds it', async () => {
    const item = await client.stockedProduct('Lost lantern', 2100, 3);
    const customer = newShopper('Ada');
    const { placed, order } = await client.placeAwaitingPayment(
      [{ productId: item.id, quantity: 1 }],
      customer,
    );
    // The shopper pays; the provider's webhook is lost (held until the end, past everything).
    stack.paymentSandbox.holdWebhooks();
    try {
      expect(stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.approve).status).toBe('authorized');
      await expire(placed.id);
      await expect
        .poll(async () => (await client.payment(placed.id)).jobs, poll)
        .toMatchObject([{ kind: 'reconcile', status: 'pending' }]);
      const [reconcile] = (await client.payment(placed.id)).jobs;
      await sleep(Math.max(0, Date.parse(reconcile!.nextAttemptAt!) - Date.now()) + 100);
      // payments' PingSource tick runs the jobs that are due: the reconcile finds the money taken.
      expect(await stack.mesh.ping('payments-job-sweep')).toBe(true);
      await expect.poll(async () => (await client.payment(placed.id)).status, poll).toBe('refunded');
      expect(await client.payment(placed.id)).toMatchObject({
        authorizedCents: 2100,
        refundedCents: 2100,
        jobs: [
          { kind: 'reconcile', status: 'succeeded', outcome: 'authorized' },
          { kind: 'refund', cause: 'late-authorization', status: 'succeeded' },
        ],
      });
      expect(client.sandboxPayment(placed.id)).toMatchObject({ status: 'refunded', refundedAmount: 2100 });
    } finally {
      await stack.paymentSandbox.releaseWebhooks();
    }
    // The lost webhooks, arriving at last, change nothing: each payment event once.
    await stack.paymentSandbox.webhooksSettled();
    await expect
      .poll(() => client.paymentEventCounts(placed.id), poll)
      .toEqual({ 'payment.requested': 1, 'payment.authorized': 1, 'payment.refunded': 1 });
    await expect
      .poll(async () => (await client.order(placed.id)).payment, poll)
      .toMatchObject({ status: 'refunded', refundedCents: 2100 });
    expect(await client.order(placed.id)).toMatchObject({
      status: 'cancelled',
      cancelCause: 'payment-expired',
    });
    await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(2);
    expect(client.mailTo(customer.email)[1]!.subject).toBe(`A refund of €21.00 for your order ${placed.id}`);
  });

  it('takes no payment on the hosted step once the hold expired', async () => {
    const item = await client.stockedProduct('Expired vase', 700, 3);
    const customer = newShopper('Max');
    const { placed, order } = await client.placeAwaitingPayment(
      [{ productId: item.id, quantity: 1 }],
      customer,
    );
    await expire(placed.id);
    // The provider's session ends with the hold: paying now is refused (410), nothing is authorized.
    expect(() => stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.approve)).toThrow(
      expect.objectContaining({ status: 410 }),
    );
    expect(client.sandboxPayment(placed.id)?.status ?? 'open').toBe('open');
    await sleep(1_000);
    expect(await client.paymentEventCounts(placed.id)).toEqual({ 'payment.requested': 1 });
    expect(await client.payment(placed.id)).toMatchObject({ authorizedCents: 0, refundedCents: 0 });
    expect(client.mailTo(customer.email).map((m) => m.subject)).toEqual([
      `Your order ${placed.id} is cancelled`,
    ]);
  });

  itWritesNoPrivateData(() => stack);
});
