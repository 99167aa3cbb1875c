/**
 * payments in process: deliveries signed as the broker's, the real Firestore emulator, the
 * provider's HTTP API faked with msw (a third party), webhooks signed with the sandbox's formula, and
 * a fake broker that records what payments emits.
 */
import { randomUUID } from 'node:crypto';
import { Transaction } from '@google-cloud/firestore';
import type { PaymentJob } from '@stockflow/contracts';
import { PING_TYPE } from '@stockflow/kit';
import {
  asStaff,
  cloudEventRequest,
  eventually,
  type FakeSink,
  metricValue,
  startFakeSink,
  testEnv,
} from '@stockflow/kit/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { payments } from './app.ts';
import {
  fakeSandbox,
  SANDBOX_KEY,
  SANDBOX_URL,
  signedWebhook,
  WEBHOOK_SECRET,
  type WebhookInit,
} from './testing/sandbox-api.ts';

const VIEWER = await asStaff('payments', 'viewer');
const sandbox = fakeSandbox();
beforeAll(() => sandbox.server.listen({ onUnhandledRequest: 'bypass' }));
afterAll(() => sandbox.server.close());

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  sandbox.setOutage(false);
  sandbox.failRefunds(0);
  while (running.length) await running.pop()!();
});

async function start(env: Record<string, string> = {}) {
  const sink: FakeSink = await startFakeSink();
  const fn = payments.create({
    env: testEnv('payments', {
      K_SINK: sink.url,
      PAYMENT_PROVIDER_URL: SANDBOX_URL,
      PAYMENT_API_KEY: SANDBOX_KEY,
      PAYMENT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SHOP_URL: 'https://shop.example',
      PAYMENT_RETRY_MIN_MS: '50',
      PAYMENT_RETRY_MAX_MS: '200',
      ...env,
    }),
    outbox: { baseDelayMs: 20, maxDelayMs: 200, sweepGraceMs: 0 },
  });
  running.push(
    () => sink.close(),
    async () => {
      await fn.rt.outbox.drain(1_000);
      await fn.rt.close();
    },
  );
  const deliver = (type: string, data: unknown, id = randomUUID()) =>
    fn.app.request('/events', cloudEventRequest({ type: `io.stockflow.${type}`, id, data }));
  const webhook = (init: WebhookInit, options?: Parameters<typeof signedWebhook>[1]) =>
    fn.app.request('/webhooks/sandbox', signedWebhook(init, options));
  const payment = async (orderId: string) => {
    const res = await fn.app.request(`/payments/${orderId}`, { headers: VIEWER });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown> & { status: string; jobs: PaymentJob[] };
  };
  /** The `payment.*` events emitted for the order, as `type` (without the prefix) → data. */
  const emitted = (orderId: string) =>
    sink.events
      .filter((event) => (event.data as { orderId?: string })?.orderId === orderId)
      // At least once: a tick's outbox sweep may send an event its relay is sending (grace 0 here).
      .filter((event, index, all) => all.findIndex((other) => other.id === event.id) === index)
      .map((event) => ({ type: String(event.type).replace('io.stockflow.', ''), data: event.data }));
  /** Opens the order's checkout (closing in `holdMs`): its payment id at the sandbox. */
  const awaitPayment = async (orderId: string, totalCents = 1200, holdMs = 900_000) => {
    const res = await deliver('order.awaiting-payment', {
      orderId,
      totalCents,
      currency: 'EUR',
      holdExpiresAt: new Date(Date.now() + holdMs).toISOString(),
    });
    expect(res.status).toBe(202);
    return String((await payment(orderId)).paymentId);
  };
  /** One PingSource tick: the sweep runs the jobs that are due. */
  const tick = async () => {
    const res = await fn.app.request(
      '/events',
      cloudEventRequest({ type: PING_TYPE, source: '/pings', data: {} }),
    );
    expect(res.status).toBe(202);
  };
  return { fn, sink, deliver, webhook, payment, emitted, awaitPayment, tick };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
const types = (events: Array<{ type: string }>) => events.map((event) => event.type);

describe('opening the checkout', () => {
  it('opens one checkout per order and announces it once, however often the event comes', async () => {
    const { deliver, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    await deliver('order.awaiting-payment', {
      orderId,
      totalCents: 1200,
      currency: 'EUR',
      holdExpiresAt: new Date(Date.now() + 900_000).toISOString(),
    });
    const opened = sandbox.calls.filter(
      (call) => call.path === '/v1/checkout-sessions' && call.idempotencyKey === orderId,
    );
    expect(opened[0]!.body).toMatchObject({
      amount: 1200,
      currency: 'EUR',
      reference: orderId,
      returnUrl: `https://shop.example/orders/${orderId}`,
    });
    await eventually(() =>
      expect(emitted(orderId)).toEqual([
        {
          type: 'payment.requested',
          data: expect.objectContaining({
            orderId,
            paymentId,
            amountCents: 1200,
            currency: 'EUR',
            checkoutUrl: expect.stringMatching(/^http:\/\/sandbox\.payments\.test\/pay\/cs_/),
          }),
        },
      ]),
    );
    await settle();
    expect(emitted(orderId)).toHaveLength(1);
    expect(await payment(orderId)).toMatchObject({
      status: 'requested',
      amountCents: 1200,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      jobs: [],
    });
    expect(await payment(orderId)).not.toHaveProperty('announced');
  });

  it('answers 503 while the provider is down, so the broker delivers again', async () => {
    const { deliver, fn, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    sandbox.setOutage(true);
    const id = randomUUID();
    const data = {
      orderId,
      totalCents: 500,
      currency: 'EUR',
      holdExpiresAt: new Date(Date.now() + 60_000).toISOString(),
    };
    const refused = await deliver('order.awaiting-payment', data, id);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect((await fn.app.request(`/payments/${orderId}`, { headers: VIEWER })).status).toBe(404);
    sandbox.setOutage(false);
    expect((await deliver('order.awaiting-payment', data, id)).status).toBe(202);
    await eventually(() => expect(types(emitted(orderId))).toEqual(['payment.requested']));
    void awaitPayment;
  });

  it('opens no checkout for a hold that ran out before the event came, and is not retried', async () => {
    const { deliver, fn, emitted } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const late = await deliver('order.awaiting-payment', {
      orderId,
      totalCents: 700,
      currency: 'EUR',
      holdExpiresAt: new Date(Date.now() - 1_000).toISOString(),
    });
    expect(late.status).toBe(202);
    expect(sandbox.calls.filter((call) => call.idempotencyKey === orderId)).toEqual([]);
    await settle();
    expect(emitted(orderId)).toEqual([]);
    expect((await fn.app.request(`/payments/${orderId}`, { headers: VIEWER })).status).toBe(404);
  });
});

describe('webhooks', () => {
  it("reads the webhook's record and the payment in one round trip", async () => {
    const { webhook, payment, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    const getAll = vi.spyOn(Transaction.prototype, 'getAll');
    const get = vi.spyOn(Transaction.prototype, 'get');
    const res = await webhook({
      id: `evt_${randomUUID()}`,
      type: 'payment.authorized',
      paymentId,
      reference: orderId,
      amount: 1200,
    });
    expect(res.status).toBe(200);
    expect(getAll).toHaveBeenCalledTimes(1);
    expect(getAll.mock.calls[0]).toHaveLength(2);
    expect(get).not.toHaveBeenCalled();
    getAll.mockRestore();
    get.mockRestore();
    expect(await payment(orderId)).toMatchObject({ status: 'authorized', authorizedCents: 1200 });
  });

  it('authorizes on a valid signed webhook, and a repeat of it changes nothing', async () => {
    const { webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    const init = {
      id: `evt_${randomUUID()}`,
      type: 'payment.authorized' as const,
      paymentId,
      reference: orderId,
      amount: 1200,
    };
    const first = await webhook(init);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const again = await webhook(init);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    await eventually(() =>
      expect(types(emitted(orderId))).toEqual(['payment.requested', 'payment.authorized']),
    );
    expect(emitted(orderId)[1]!.data).toEqual({ orderId, paymentId, amountCents: 1200, currency: 'EUR' });
    await settle();
    expect(emitted(orderId)).toHaveLength(2);
    expect(await payment(orderId)).toMatchObject({ status: 'authorized', authorizedCents: 1200 });
  });

  it('refunds a bad signature, a stale one and an unsigned body with 401 problem+json, changing nothing', async () => {
    const { fn, webhook, payment, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    const init = { type: 'payment.authorized' as const, paymentId, reference: orderId, amount: 1200 };
    const wrongSecret = await webhook(init, { secret: 'not-the-secret-at-all' });
    const stale = await webhook(init, { at: Math.floor(Date.now() / 1000) - 301 });
    const future = await webhook(init, { at: Math.floor(Date.now() / 1000) + 301 });
    const signed = signedWebhook(init);
    const tampered = await fn.app.request('/webhooks/sandbox', {
      ...signed,
      body: String(signed.body).replace('"amount":1200', '"amount":1'),
    });
    const unsigned = await fn.app.request('/webhooks/sandbox', {
      ...signed,
      headers: { 'content-type': 'application/json' },
    });
    for (const res of [wrongSecret, stale, future, tampered, unsigned]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    expect((await payment(orderId)).status).toBe('requested');
    // Within the tolerance it is accepted.
    expect((await webhook(init, { at: Math.floor(Date.now() / 1000) - 250 })).status).toBe(200);
  });

  it('answers 400 to a signed body that is not a sandbox event', async () => {
    const { fn } = await start();
    const body = JSON.stringify({ hello: 'world' });
    const at = Math.floor(Date.now() / 1000);
    const { sandboxSignature } = await import('./providers/sandbox.ts');
    const res = await fn.app.request('/webhooks/sandbox', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'sandbox-signature': `t=${at},v1=${sandboxSignature(WEBHOOK_SECRET, at, body)}`,
      },
      body,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('ends captured when the capture overtakes the authorization, announcing each once', async () => {
    const { webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    const base = { paymentId, reference: orderId, amount: 1200 };
    expect((await webhook({ ...base, type: 'payment.captured' })).status).toBe(200);
    expect((await webhook({ ...base, type: 'payment.authorized' })).status).toBe(200);
    await eventually(() =>
      expect(types(emitted(orderId))).toEqual([
        'payment.requested',
        'payment.authorized',
        'payment.captured',
      ]),
    );
    await settle();
    expect(emitted(orderId)).toHaveLength(3);
    expect(await payment(orderId)).toMatchObject({ status: 'captured', capturedCents: 1200 });
  });

  it('announces a decline with the message for the shopper', async () => {
    const { webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    await webhook({
      type: 'payment.declined',
      paymentId,
      reference: orderId,
      amount: 1200,
      code: 'card_declined',
      message: 'Your card was declined.',
    });
    await eventually(() =>
      expect(types(emitted(orderId))).toEqual(['payment.requested', 'payment.declined']),
    );
    expect(emitted(orderId)[1]!.data).toEqual({
      orderId,
      paymentId,
      code: 'card_declined',
      message: 'Your card was declined.',
    });
    expect(await payment(orderId)).toMatchObject({ status: 'declined' });
  });
});

describe('captures and refunds', () => {
  it('captures the authorized amount once, on the first shipment', async () => {
    const { deliver, webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    sandbox.authorize(paymentId);
    await webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 });
    const shipment = (shipmentId: string) => ({
      orderId,
      shipmentId,
      locationId: 'main',
      items: [{ productId: 'p1', quantity: 1 }],
    });
    expect((await deliver('shipment.shipped', shipment('s1'))).status).toBe(202);
    expect((await deliver('shipment.shipped', shipment('s2'))).status).toBe(202);
    expect((await deliver('order.shipped', { orderId, shipmentId: 's2' })).status).toBe(202);
    await eventually(async () =>
      expect(await payment(orderId)).toMatchObject({
        status: 'captured',
        capturedCents: 1200,
        jobs: [{ id: `${orderId}~capture`, kind: 'capture', status: 'succeeded', attempts: 1 }],
      }),
    );
    const captures = sandbox.calls.filter((call) => call.path === `/v1/payments/${paymentId}/capture`);
    expect(captures).toEqual([
      { path: captures[0]!.path, idempotencyKey: `${orderId}~capture`, body: { amount: 1200 } },
    ]);
    await eventually(() =>
      expect(types(emitted(orderId))).toEqual([
        'payment.requested',
        'payment.authorized',
        'payment.captured',
      ]),
    );
  });

  it('refunds a cancelled order whose payment was authorized', async () => {
    const { deliver, webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    sandbox.authorize(paymentId);
    await webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 });
    await deliver('order.cancelled', { orderId, cause: 'customer' });
    await eventually(() => expect(types(emitted(orderId))).toContain('payment.refunded'));
    expect(emitted(orderId).at(-1)!.data).toEqual({
      orderId,
      paymentId,
      amountCents: 1200,
      currency: 'EUR',
      cause: 'cancelled',
    });
    expect(await payment(orderId)).toMatchObject({
      status: 'refunded',
      refundedCents: 1200,
      jobs: [{ kind: 'refund', cause: 'cancelled', status: 'succeeded' }],
    });
  });

  it('announces and refunds an authorization that came after the order was cancelled', async () => {
    const { deliver, webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    await deliver('order.cancelled', { orderId, cause: 'payment-expired' });
    // No money yet: only the reconcile that would look the payment up later.
    expect((await payment(orderId)).jobs).toMatchObject([{ kind: 'reconcile', status: 'pending' }]);
    sandbox.authorize(paymentId);
    await webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 });
    await eventually(() =>
      expect(types(emitted(orderId))).toEqual([
        'payment.requested',
        'payment.authorized',
        'payment.refunded',
      ]),
    );
    expect(emitted(orderId)[2]!.data).toMatchObject({ cause: 'late-authorization', amountCents: 1200 });
    await deliver('order.cancelled', { orderId, cause: 'payment-expired' });
    await settle();
    expect((await payment(orderId)).jobs.map((job) => job.kind)).toEqual(['reconcile', 'refund']);
  });

  it('retries a refund the provider could not make, and keeps a failing one visible', async () => {
    const { fn, deliver, webhook, payment, emitted, awaitPayment } = await start({
      PAYMENT_MAX_ATTEMPTS: '3',
    });
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    sandbox.authorize(paymentId);
    await webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 });
    sandbox.failRefunds(1);
    await deliver('order.cancelled', { orderId, cause: 'staff' });
    await eventually(async () =>
      expect((await payment(orderId)).jobs).toMatchObject([
        { status: 'succeeded', attempts: 2, lastError: null },
      ]),
    );
    expect(types(emitted(orderId)).filter((type) => type === 'payment.refunded')).toHaveLength(1);

    const other = `o-${randomUUID().slice(0, 8)}`;
    const otherPayment = await awaitPayment(other);
    sandbox.authorize(otherPayment);
    await webhook({ type: 'payment.authorized', paymentId: otherPayment, reference: other, amount: 1200 });
    sandbox.failRefunds(100);
    await deliver('order.cancelled', { orderId: other, cause: 'staff' });
    await eventually(async () =>
      expect((await payment(other)).jobs).toMatchObject([
        { status: 'failed', attempts: 3, lastError: expect.stringContaining('503') },
      ]),
    );
    expect(types(emitted(other))).not.toContain('payment.refunded');
    // Each attempt counted by its outcome: what the alert on refunds given up watches.
    const metrics = await (await fn.app.request('/metrics')).text();
    const attempts = (outcome: string) =>
      metricValue(metrics, 'stockflow_queue_attempts_total', {
        queue: 'payment-jobs',
        kind: 'refund',
        outcome,
      });
    expect([attempts('done'), attempts('retry'), attempts('failed')]).toEqual([1, 3, 1]);
    // What waits for a person, counted in Firestore: the alert on it holds until someone acts.
    expect(
      metricValue(metrics, 'stockflow_unresolved_items', { item: 'payment-jobs-failed' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('keeps a job pending with its last error through an outage; the tick of a new process finishes it', async () => {
    const database = `payments-sweep-${randomUUID().slice(0, 8)}`;
    const first = await start({ FIRESTORE_DATABASE: database, PAYMENT_RETRY_MIN_MS: '300' });
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await first.awaitPayment(orderId);
    sandbox.authorize(paymentId);
    await first.webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 });
    sandbox.setOutage(true);
    await first.deliver('order.cancelled', { orderId, cause: 'staff' });
    await eventually(async () =>
      expect((await first.payment(orderId)).jobs).toMatchObject([
        { status: 'pending', attempts: 1, lastError: expect.stringContaining('503') },
      ]),
    );
    // The process stops before its own retry: only the database knows the job.
    await first.fn.rt.close();
    sandbox.setOutage(false);
    const second = await start({ FIRESTORE_DATABASE: database, PAYMENT_RETRY_MIN_MS: '300' });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const tick = await second.fn.app.request(
      '/events',
      cloudEventRequest({ type: PING_TYPE, source: '/pings', data: {} }),
    );
    expect(tick.status).toBe(202);
    expect((await second.payment(orderId)).jobs).toMatchObject([
      { status: 'succeeded', attempts: 2, lastError: null },
    ]);
    await eventually(() =>
      expect(second.emitted(orderId).map((event) => event.type)).toContain('payment.refunded'),
    );
  });

  it('refunds an inspected return, capped at what is left', async () => {
    const { deliver, webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    sandbox.authorize(paymentId);
    await webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 });
    await deliver('order.shipped', { orderId });
    await eventually(async () => expect((await payment(orderId)).status).toBe('captured'));
    const inspected = (returnId: string, refundCents: number) => ({
      orderId,
      returnId,
      locationId: 'main',
      lines: [{ productId: 'p1', quantity: 1, outcome: 'restocked' }],
      refundCents,
      currency: 'EUR',
    });
    await deliver('return.inspected', inspected('r1', 500));
    await eventually(async () => expect((await payment(orderId)).status).toBe('partially-refunded'));
    await deliver('return.inspected', inspected('r1', 500));
    await deliver('return.inspected', inspected('r2', 5000));
    await eventually(async () =>
      expect(await payment(orderId)).toMatchObject({ status: 'refunded', refundedCents: 1200 }),
    );
    const refunds = emitted(orderId).filter((event) => event.type === 'payment.refunded');
    expect(refunds.map((event) => event.data)).toEqual([
      { orderId, paymentId, amountCents: 500, currency: 'EUR', cause: 'return', returnId: 'r1' },
      { orderId, paymentId, amountCents: 700, currency: 'EUR', cause: 'return', returnId: 'r2' },
    ]);
  });
});

describe('reconciling a payment no webhook answered', () => {
  // Wide enough that the steps before "not due yet" finish inside it on a loaded machine.
  const HOLD_MS = 2_000;
  const DELAY_MS = 300;
  const lookups = (paymentId: string) =>
    sandbox.calls.filter((call) => call.path === `/v1/payments/${paymentId}`).length;

  it("looks a cancelled order's payment up once its checkout closed, and refunds money the provider took", async () => {
    const { deliver, webhook, payment, emitted, awaitPayment, tick } = await start({
      PAYMENT_RECONCILE_DELAY_MS: String(DELAY_MS),
    });
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId, 1200, HOLD_MS);
    // The shopper paid; the provider's webhook never comes.
    sandbox.authorize(paymentId);
    await deliver('order.cancelled', { orderId, cause: 'payment-expired' });
    const { expiresAt, jobs } = await payment(orderId);
    expect(jobs).toMatchObject([
      { id: `${orderId}~reconcile`, kind: 'reconcile', status: 'pending', amountCents: 1200, outcome: null },
    ]);
    expect(Date.parse(jobs[0]!.nextAttemptAt!)).toBe(Date.parse(String(expiresAt)) + DELAY_MS);
    // Not due yet: a tick leaves it, and the provider is not asked.
    await tick();
    expect(lookups(paymentId)).toBe(0);
    expect((await payment(orderId)).jobs[0]).toMatchObject({ status: 'pending', attempts: 0 });

    await new Promise((resolve) =>
      setTimeout(resolve, Date.parse(jobs[0]!.nextAttemptAt!) - Date.now() + 50),
    );
    await tick();
    expect(lookups(paymentId)).toBe(1);
    await eventually(() =>
      expect(types(emitted(orderId))).toEqual([
        'payment.requested',
        'payment.authorized',
        'payment.refunded',
      ]),
    );
    expect(emitted(orderId)[2]!.data).toMatchObject({ cause: 'late-authorization', amountCents: 1200 });
    expect(sandbox.payments.get(paymentId)).toMatchObject({ refunded: 1200 });
    expect(await payment(orderId)).toMatchObject({
      status: 'refunded',
      authorizedCents: 1200,
      refundedCents: 1200,
      jobs: [
        { kind: 'reconcile', status: 'succeeded', outcome: 'authorized' },
        { kind: 'refund', cause: 'late-authorization', status: 'succeeded' },
      ],
    });
    // The webhook that finally arrives, and another tick, change nothing.
    expect(
      (await webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 })).status,
    ).toBe(200);
    await tick();
    await settle();
    expect(lookups(paymentId)).toBe(1);
    expect(types(emitted(orderId))).toHaveLength(3);
  });

  it('ends the reconcile of a checkout never paid with nothing changed, and retries it through an outage', async () => {
    // A retry a second after the failed attempt: the outage is over by then, not before it is read.
    const { deliver, payment, emitted, awaitPayment, tick } = await start({
      PAYMENT_RECONCILE_DELAY_MS: '0',
      PAYMENT_RETRY_MIN_MS: '1000',
    });
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId, 1200, HOLD_MS);
    await deliver('order.cancelled', { orderId, cause: 'customer' });
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 50));
    sandbox.setOutage(true);
    await tick();
    expect((await payment(orderId)).jobs[0]).toMatchObject({
      kind: 'reconcile',
      status: 'pending',
      attempts: 1,
      lastError: expect.stringContaining('503'),
    });
    sandbox.setOutage(false);
    await eventually(async () =>
      expect((await payment(orderId)).jobs[0]).toMatchObject({ status: 'succeeded', outcome: 'undecided' }),
    );
    expect(lookups(paymentId)).toBe(2);
    expect(await payment(orderId)).toMatchObject({
      status: 'requested',
      authorizedCents: 0,
      refundedCents: 0,
    });
    expect(types(emitted(orderId))).toEqual(['payment.requested']);
  });

  it('asks again later when the checkout is still open at the lookup, and finds the money paid meanwhile', async () => {
    const { fn, deliver, payment, emitted, awaitPayment, tick } = await start({
      PAYMENT_RECONCILE_DELAY_MS: '0',
      PAYMENT_RETRY_MIN_MS: '400',
      PAYMENT_RETRY_MAX_MS: '400',
    });
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId, 1200, HOLD_MS);
    await deliver('order.cancelled', { orderId, cause: 'customer' });
    // Due now, as if our clock ran ahead of the provider's: not paid, but the checkout is open.
    const db = await fn.rt.db();
    await db.collection('jobs').doc(`${orderId}~reconcile`).update({ dueAt: new Date() });
    await tick();
    expect((await payment(orderId)).jobs[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: expect.stringContaining('still open'),
    });
    // The shopper pays meanwhile (the webhook lost): the next attempt finds it, and it goes back.
    sandbox.authorize(paymentId);
    await eventually(
      async () => expect(await payment(orderId)).toMatchObject({ status: 'refunded', refundedCents: 1200 }),
      HOLD_MS + 5_000,
    );
    expect(lookups(paymentId)).toBe(2);
    expect(types(emitted(orderId))).toEqual(['payment.requested', 'payment.authorized', 'payment.refunded']);
  });

  it('asks nothing when a webhook told the outcome first, and makes no reconcile for a decided payment', async () => {
    const { deliver, webhook, payment, emitted, awaitPayment, tick } = await start({
      PAYMENT_RECONCILE_DELAY_MS: '0',
    });
    const late = `o-${randomUUID().slice(0, 8)}`;
    const latePayment = await awaitPayment(late, 1200, HOLD_MS);
    await deliver('order.cancelled', { orderId: late, cause: 'customer' });
    await webhook({
      type: 'payment.declined',
      paymentId: latePayment,
      reference: late,
      amount: 1200,
      code: 'card_declined',
      message: 'Declined.',
    });
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS + 50));
    await tick();
    expect((await payment(late)).jobs).toMatchObject([
      { kind: 'reconcile', status: 'succeeded', outcome: null },
    ]);
    expect(lookups(latePayment)).toBe(0);
    expect(types(emitted(late))).toEqual(['payment.requested', 'payment.declined']);

    const declined = `o-${randomUUID().slice(0, 8)}`;
    const declinedPayment = await awaitPayment(declined);
    await webhook({
      type: 'payment.declined',
      paymentId: declinedPayment,
      reference: declined,
      amount: 1200,
    });
    await deliver('order.cancelled', { orderId: declined, cause: 'payment-declined' });
    expect((await payment(declined)).jobs).toEqual([]);
  });
});

describe('a return that overtakes the shipped events', () => {
  it('captures first, then refunds the return: nothing is left uncaptured', async () => {
    const { deliver, webhook, payment, emitted, awaitPayment } = await start();
    const orderId = `o-${randomUUID().slice(0, 8)}`;
    const paymentId = await awaitPayment(orderId);
    sandbox.authorize(paymentId);
    await webhook({ type: 'payment.authorized', paymentId, reference: orderId, amount: 1200 });
    await deliver('return.inspected', {
      orderId,
      returnId: 'r1',
      locationId: 'main',
      lines: [{ productId: 'p1', quantity: 1, outcome: 'restocked' }],
      refundCents: 500,
      currency: 'EUR',
    });
    await eventually(async () =>
      expect(await payment(orderId)).toMatchObject({
        status: 'partially-refunded',
        capturedCents: 1200,
        refundedCents: 500,
      }),
    );
    await deliver('order.shipped', { orderId });
    const view = await payment(orderId);
    expect(view.jobs.map((job: { id: string; status: string }) => [job.id, job.status])).toEqual([
      [`${orderId}~capture`, 'succeeded'],
      [`${orderId}~refund~return~r1`, 'succeeded'],
    ]);
    expect(emitted(orderId).map((event) => event.type)).toEqual([
      'payment.requested',
      'payment.authorized',
      'payment.captured',
      'payment.refunded',
    ]);
  });
});

describe('staff', () => {
  it('reads a payment only with a staff role', async () => {
    const { fn } = await start();
    expect((await fn.app.request('/payments/o-1')).status).toBe(401);
    expect((await fn.app.request('/payments/o-unknown', { headers: VIEWER })).status).toBe(404);
  });
});
