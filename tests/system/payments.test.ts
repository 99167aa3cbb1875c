/**
 * Payment through the whole stack: a shopper places an order through web, pays on the sandbox's
 * hosted step (its in-process `pay`, which does what the form does), the sandbox's signed webhook
 * comes back through web to payments, and orders, inventory and notifications follow. Approve,
 * decline, 3-D Secure style confirmation, a refund the provider fails once, and webhooks sent twice
 * or out of order: each asserted on the order, the stock, payments' record, the sandbox's books, the
 * ledger and the mail caught; and no card number, address or email in any log line.
 */
import type { Product } from '@stockflow/contracts';
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
import { CARDS } from './shopper.ts';

const RETRY_MIN_MS = 300;

describe('payment through the whole stack', () => {
  let stack: LifecycleStack;
  let client: ReturnType<typeof lifecycleClient>;
  const product = async (name: string, priceCents = 1200, quantity = 10): Promise<Product> =>
    client.stockedProduct(name, priceCents, quantity);

  beforeAll(async () => {
    stack = await startLifecycleStack({ env: { PAYMENT_RETRY_MIN_MS: String(RETRY_MIN_MS) } });
    client = lifecycleClient(stack);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('approves: confirmed with one confirmation email; shipping captures the whole amount once', async () => {
    const item = await product('Approved lamp', 1200);
    const customer = newShopper('Ada');
    const placed = await client.placeConfirmed([{ productId: item.id, quantity: 2 }], customer);

    const confirmed = await client.order(placed.id);
    expect(confirmed.payment).toMatchObject({ status: 'authorized' });
    expect(confirmed.timeline.map((entry) => entry.status)).toEqual(
      expect.arrayContaining(['pending', 'awaiting-payment', 'confirmed']),
    );
    expect(await client.stock(item.id)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });
    await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(1);
    expect(client.mailTo(customer.email)[0]!.subject).toBe(`Your order ${placed.id} is confirmed`);

    await client.shipAndCapture(placed.id);
    expect(client.sandboxPayment(placed.id)).toMatchObject({
      status: 'captured',
      amount: 2400,
      capturedAmount: 2400,
      refundedAmount: 0,
    });
    expect(await client.payment(placed.id)).toMatchObject({
      status: 'captured',
      authorizedCents: 2400,
      capturedCents: 2400,
      refundedCents: 0,
    });
    await expect
      .poll(async () => (await client.order(placed.id)).payment, poll)
      .toMatchObject({ status: 'captured', capturedCents: 2400 });
    const order = await client.order(placed.id);
    expect(order.status).toBe('shipped');
    expect(order.timeline.some((entry) => /captured/i.test(entry.reason ?? ''))).toBe(true);
    await expect
      .poll(() => client.paymentEventCounts(placed.id), poll)
      .toEqual({ 'payment.requested': 1, 'payment.authorized': 1, 'payment.captured': 1 });
    // The confirmation and the shipment; nothing twice.
    await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(2);
    await sleep(1_000);
    expect(client.mailTo(customer.email).map((m) => m.subject)).toEqual([
      `Your order ${placed.id} is confirmed`,
      expect.stringContaining('has shipped'),
    ]);
  });

  it("declines: cancelled with the provider's message, stock released, nothing captured, a decline's email", async () => {
    const item = await product('Declined vase', 900, 5);
    const customer = newShopper('Bob');
    const { placed, order } = await client.placeAwaitingPayment(
      [{ productId: item.id, quantity: 3 }],
      customer,
    );
    expect(await client.stock(item.id)).toMatchObject({ onHand: 5, reserved: 3 });

    stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.decline);
    await expect.poll(async () => (await client.order(placed.id)).status, poll).toBe('cancelled');
    const cancelled = await client.order(placed.id);
    expect(cancelled).toMatchObject({
      cancelCause: 'payment-declined',
      payment: { status: 'declined', declineMessage: 'Your card was declined.' },
    });
    await expect
      .poll(() => client.stock(item.id), poll)
      .toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    expect(client.sandboxPayment(placed.id)).toMatchObject({
      status: 'declined',
      code: 'card_declined',
      capturedAmount: 0,
    });
    expect(await client.payment(placed.id)).toMatchObject({
      status: 'declined',
      capturedCents: 0,
      decline: { code: 'card_declined', message: 'Your card was declined.' },
    });
    await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(1);
    const [mail] = client.mailTo(customer.email);
    expect(mail!.subject).toBe(`Your order ${placed.id} is cancelled`);
    expect(mail!.text).toContain('your payment was declined');
    expect(mail!.text).toContain('Nothing was charged');
    const counts = await client.paymentEventCounts(placed.id);
    expect(counts).toEqual({ 'payment.requested': 1, 'payment.declined': 1 });
  });

  it('asks for confirmation with the bank (3-D Secure style): Confirm authorizes', async () => {
    const item = await product('Confirmed chair', 4500, 3);
    const customer = newShopper('Cy');
    const { placed, order } = await client.placeAwaitingPayment(
      [{ productId: item.id, quantity: 1 }],
      customer,
    );

    expect(stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.confirm).status).toBe(
      'requires-confirmation',
    );
    // Nothing is decided until the bank answers.
    await sleep(500);
    expect((await client.order(placed.id)).status).toBe('awaiting-payment');
    stack.paymentSandbox.confirm(order.payment!.checkoutUrl!, 'approve');
    await expect.poll(async () => (await client.order(placed.id)).status, poll).toBe('confirmed');
    expect(client.sandboxPayment(placed.id)).toMatchObject({ status: 'authorized', amount: 4500 });
    await expect.poll(async () => (await client.payment(placed.id)).status, poll).toBe('authorized');
    await expect
      .poll(() => client.mailTo(customer.email).map((m) => m.subject), poll)
      .toEqual([`Your order ${placed.id} is confirmed`]);
  });

  it('asks for confirmation with the bank (3-D Secure style): Fail declines and releases the stock', async () => {
    const item = await product('Unconfirmed desk', 8000, 2);
    const customer = newShopper('Dee');
    const { placed, order } = await client.placeAwaitingPayment(
      [{ productId: item.id, quantity: 2 }],
      customer,
    );

    stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.confirm);
    stack.paymentSandbox.confirm(order.payment!.checkoutUrl!, 'fail');
    await expect.poll(async () => (await client.order(placed.id)).status, poll).toBe('cancelled');
    const cancelled = await client.order(placed.id);
    expect(cancelled.cancelCause).toBe('payment-declined');
    expect(cancelled.payment?.status).toBe('declined');
    expect(cancelled.payment?.declineMessage).toBeTruthy();
    expect(client.sandboxPayment(placed.id)).toMatchObject({
      status: 'declined',
      code: 'authentication_failed',
    });
    expect((await client.payment(placed.id)).decline?.code).toBe('authentication_failed');
    await expect.poll(() => client.stock(item.id), poll).toMatchObject({ onHand: 2, reserved: 0 });
    await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(1);
    expect(client.mailTo(customer.email)[0]!.text).toContain('your payment was declined');
  });

  it('retries a refund the provider fails once, and refunds once', async () => {
    const item = await product('Refunded rug', 3300, 4);
    const customer = newShopper('Eve');
    const { placed, order } = await client.placeAwaitingPayment(
      [{ productId: item.id, quantity: 1 }],
      customer,
    );
    stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.refundFailsOnce);
    await expect.poll(async () => (await client.order(placed.id)).status, poll).toBe('confirmed');

    // Staff cancel the confirmed order: payments gives the authorized money back (a refund of an
    // uncaptured payment releases the hold); the sandbox answers the first refund call 503.
    const cancel = await client.call(`/orders/${placed.id}/cancel`, {
      method: 'POST',
      body: { reason: 'test' },
    });
    expect(cancel.status).toBe(200);
    await expect.poll(() => client.stock(item.id), poll).toMatchObject({ onHand: 4, reserved: 0 });
    await expect
      .poll(async () => {
        await stack.mesh.ping('payments-job-sweep');
        return (await client.payment(placed.id)).status;
      }, poll)
      .toBe('refunded');
    const payment = await client.payment(placed.id);
    expect(payment).toMatchObject({ refundedCents: 3300, capturedCents: 0 });
    const refundJobs = payment.jobs.filter((job) => job.kind === 'refund');
    expect(refundJobs).toHaveLength(1);
    expect(refundJobs[0]).toMatchObject({ status: 'succeeded', cause: 'cancelled' });
    expect(refundJobs[0]!.attempts).toBeGreaterThanOrEqual(2);
    // Ticks after the refund change nothing.
    await stack.mesh.ping('payments-job-sweep');
    await sleep(RETRY_MIN_MS * 3);
    expect(client.sandboxPayment(placed.id)).toMatchObject({ status: 'refunded', refundedAmount: 3300 });
    expect(client.sandboxPayment(placed.id)!.refunds).toHaveLength(1);
    await expect
      .poll(async () => (await client.order(placed.id)).payment, poll)
      .toMatchObject({ status: 'refunded', refundedCents: 3300 });
    await expect
      .poll(() => client.paymentEventCounts(placed.id), poll)
      .toEqual({ 'payment.requested': 1, 'payment.authorized': 1, 'payment.refunded': 1 });
    await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(3);
    await sleep(1_000);
    const subjects = client.mailTo(customer.email).map((m) => m.subject);
    expect(subjects).toEqual([
      `Your order ${placed.id} is confirmed`,
      `Your order ${placed.id} is cancelled`,
      expect.stringMatching(/^A refund of €33\.00 for your order/),
    ]);
  });

  it('sent twice, every webhook changes things once: each payment.* event and each email once', async () => {
    const item = await product('Echoed mirror', 2100, 6);
    const customer = newShopper('Fay');
    stack.paymentSandbox.setDuplicateWebhooks(true);
    try {
      const placed = await client.placeConfirmed([{ productId: item.id, quantity: 2 }], customer);
      await client.shipAndCapture(placed.id);
      await stack.paymentSandbox.webhooksSettled();
      const sent = stack.paymentSandbox
        .webhooksSent()
        .filter((webhook) => JSON.stringify(webhook).includes(placed.id));
      // authorized and captured, each delivered twice.
      expect(sent.length).toBeGreaterThanOrEqual(4);
      await expect
        .poll(() => client.paymentEventCounts(placed.id), poll)
        .toEqual({ 'payment.requested': 1, 'payment.authorized': 1, 'payment.captured': 1 });
      expect(client.sandboxPayment(placed.id)).toMatchObject({ status: 'captured', capturedAmount: 4200 });
      expect(await client.payment(placed.id)).toMatchObject({ status: 'captured', capturedCents: 4200 });
      await expect.poll(() => client.mailTo(customer.email).length, poll).toBe(2);
      await sleep(1_500);
      expect(client.mailTo(customer.email)).toHaveLength(2);
      expect(await client.paymentEventCounts(placed.id)).toEqual({
        'payment.requested': 1,
        'payment.authorized': 1,
        'payment.captured': 1,
      });
      expect(await client.stock(item.id)).toMatchObject({ onHand: 4, reserved: 0 });
    } finally {
      stack.paymentSandbox.setDuplicateWebhooks(false);
    }
  });

  it('webhooks released in reverse (a refund and a decline before the capture) change each thing once', async () => {
    const item = await product('Reordered clock', 1500, 8);
    const approved = newShopper('Gus');
    const declined = newShopper('Hal');
    const first = await client.placeConfirmed([{ productId: item.id, quantity: 2 }], approved);
    const second = await client.placeAwaitingPayment([{ productId: item.id, quantity: 1 }], declined);

    stack.paymentSandbox.holdWebhooks();
    let released = false;
    try {
      // First order: the capture's webhook is held; then staff cancel nothing (it shipped), so a
      // return brings a refund whose webhook is held after it. Second order: a decline, held too.
      const shipped = await client.call(`/orders/${first.id}/ship`, { method: 'POST' });
      expect(shipped.status).toBe(200);
      await expect.poll(async () => (await client.payment(first.id)).status, poll).toBe('captured');
      expect((await client.call(`/orders/${first.id}/deliver`, { method: 'POST' })).status).toBe(200);
      const requested = await client.call<{ returns: Array<{ id: string }> }>(`/orders/${first.id}/returns`, {
        method: 'POST',
        token: first.token,
        body: { items: [{ productId: item.id, quantity: 1 }] },
      });
      expect(requested.status).toBe(201);
      const returnId = requested.body.returns[0]!.id;
      expect(
        (
          await client.call(`/orders/${first.id}/returns/${returnId}/receive`, {
            method: 'POST',
            body: { locationId: 'default' },
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await client.call(`/orders/${first.id}/returns/${returnId}/inspect`, {
            method: 'POST',
            body: { lines: [{ productId: item.id, quantity: 1, outcome: 'restocked' }] },
          })
        ).status,
      ).toBe(200);
      await expect.poll(() => client.sandboxPayment(first.id)?.refundedAmount, poll).toBe(1500);
      stack.paymentSandbox.pay(second.order.payment!.checkoutUrl!, CARDS.insufficientFunds);
      // Nothing of it reached payments by webhook yet.
      await sleep(500);
      expect((await client.order(second.placed.id)).status).toBe('awaiting-payment');

      // Held, in the order made: reversed, the refund and the decline overtake the capture.
      const held = stack.paymentSandbox
        .webhooksSent()
        .filter((webhook) => webhook.state === 'held')
        .map((webhook) => `${webhook.type} ${webhook.data.reference === first.id ? 'first' : 'second'}`);
      expect(held).toEqual(['payment.captured first', 'refund.succeeded first', 'payment.declined second']);
      await stack.paymentSandbox.releaseWebhooks({ reverse: true });
      released = true;
      await stack.paymentSandbox.webhooksSettled();
    } finally {
      if (!released) await stack.paymentSandbox.releaseWebhooks();
    }

    await expect.poll(async () => (await client.order(second.placed.id)).status, poll).toBe('cancelled');
    expect((await client.order(second.placed.id)).payment).toMatchObject({
      status: 'declined',
      declineMessage: 'Your card has insufficient funds.',
    });
    await expect.poll(async () => (await client.order(first.id)).returns?.[0]?.status, poll).toBe('refunded');
    expect(await client.payment(first.id)).toMatchObject({
      status: 'partially-refunded',
      capturedCents: 3000,
      refundedCents: 1500,
    });
    expect(client.sandboxPayment(first.id)).toMatchObject({
      status: 'partially-refunded',
      capturedAmount: 3000,
      refundedAmount: 1500,
    });
    await expect
      .poll(() => client.paymentEventCounts(first.id), poll)
      .toEqual({
        'payment.requested': 1,
        'payment.authorized': 1,
        'payment.captured': 1,
        'payment.refunded': 1,
      });
    expect(await client.paymentEventCounts(second.placed.id)).toEqual({
      'payment.requested': 1,
      'payment.declined': 1,
    });
    // Confirmed, shipped, refunded; the declined shopper one cancellation.
    await expect.poll(() => client.mailTo(approved.email).length, poll).toBe(3);
    await expect.poll(() => client.mailTo(declined.email).length, poll).toBe(1);
    await sleep(1_000);
    expect(client.mailTo(approved.email)).toHaveLength(3);
    expect(client.mailTo(declined.email)).toHaveLength(1);
    await expect.poll(() => client.stock(item.id), poll).toMatchObject({ onHand: 7, reserved: 0 });
  });

  itWritesNoPrivateData(() => stack);
});
