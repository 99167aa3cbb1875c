/**
 * No secret in any log line: the whole stack (what `npm start` runs) at debug level, with the broker
 * asking senders for a token, through admin and shopper actions that carry every kind of secret
 * (the admin token, the broker token, an order token, an Idempotency-Key), the refused ones too.
 * Every process's output is captured and searched.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { PlacedOrder, Product } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerAudience } from '../../packages/mesh/src/index.ts';
import { payOrder, shopper, TEST_ADDRESS } from '../system/shopper.ts';
import { startTestStack, type TestStack } from '../system/stack.ts';

const IDEMPOTENCY_KEY = `key-${randomBytes(16).toString('hex')}`;
const WRONG_TOKEN = randomBytes(24).toString('base64url');
/** The shopper's address is personal data: in the events and the emails, never in a log line. */
const SHOPPER_EMAIL = `eve-${randomBytes(6).toString('hex')}@example.com`;
/** The street of the shopper's delivery address: no log line may carry it. */
const SHOPPER_STREET = `${randomBytes(4).toString('hex')} Hidden Lane`;

describe('secrets in logs', () => {
  let stack: TestStack;
  const output: string[] = [];
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    stack = await startTestStack({
      logLevel: 'debug',
      env: { LOG_LEVEL: 'debug' },
      write: (text) => {
        output.push(text);
      },
    });
    secrets.admin = stack.adminToken;
    secrets.broker = await stack.mesh.issuer.issue(
      'system:serviceaccount:default:warehouse',
      brokerAudience('default', 'default'),
    );
    secrets.idempotencyKey = IDEMPOTENCY_KEY;
    secrets.wrongToken = WRONG_TOKEN;
    secrets.shopperEmail = SHOPPER_EMAIL;
    secrets.shopperStreet = SHOPPER_STREET;
    // The payment provider's credentials, made per stack and handed to payments through its Secret.
    secrets.paymentApiKey = stack.paymentSandbox.apiKey;
    secrets.paymentWebhookSecret = stack.paymentSandbox.webhookSecret;
  });
  afterAll(() => stack?.stop());

  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${stack.urls.web}/api${path}`, { ...init, signal: AbortSignal.timeout(20_000) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  it('writes none of them, whatever the requests carried', async () => {
    const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
    const created = await api('/catalog/products', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({
        sku: `SEC-${randomUUID().slice(0, 8)}`,
        name: 'Secret',
        priceCents: 10,
        currency: 'EUR',
      }),
    });
    expect(created.status).toBe(201);
    const product = created.body as Product;
    // The warehouse sends goods with its OIDC token (publish signs one as the partner's ServiceAccount).
    expect(
      await stack.publish({
        type: 'io.stockflow.goods.received',
        source: '/partners/warehouse',
        data: { productId: product.id, quantity: 5, reference: 'sec-1' },
      }),
    ).toBe(202);
    // Refused attempts: a wrong admin token, a wrong broker token, a wrong order token.
    expect((await api('/orders', { headers: { authorization: `Bearer ${WRONG_TOKEN}` } })).status).toBe(401);
    const forged = await fetch(stack.urls.broker, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${WRONG_TOKEN}`,
        'ce-specversion': '1.0',
        'ce-id': randomUUID(),
        'ce-source': '/forger',
        'ce-type': 'io.stockflow.goods.received',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ productId: product.id, quantity: 1000, reference: 'forged' }),
    });
    expect(forged.status).toBe(401);

    await expect
      .poll(async () => (await api(`/inventory/stock/${product.id}`)).body?.available, { timeout: 30_000 })
      .toBe(5);
    // Orders learns of the product by its event: place once it does.
    const place = () =>
      api('/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': IDEMPOTENCY_KEY },
        body: JSON.stringify({
          items: [{ productId: product.id, quantity: 1 }],
          customer: { ...shopper('Eve', SHOPPER_EMAIL), address: { ...TEST_ADDRESS, line1: SHOPPER_STREET } },
        }),
      });
    let placed = await place();
    await expect
      .poll(
        async () => {
          if (placed.status !== 202) placed = await place();
          return placed.status;
        },
        { timeout: 30_000 },
      )
      .toBe(202);
    expect(placed.status).toBe(202);
    const order = placed.body as PlacedOrder;
    secrets.orderToken = order.token;
    secrets.orderTokenDigest = createHash('sha256').update(order.token).digest('hex');
    const mine = { authorization: `Bearer ${order.token}` };
    // The shopper pays on the provider's step: its webhook crosses web and payments, signed.
    await payOrder(stack, async () => (await api(`/orders/${order.id}`, { headers: mine })).body);
    await expect
      .poll(async () => (await api(`/orders/${order.id}`, { headers: mine })).body?.status, {
        timeout: 30_000,
      })
      .toBe('confirmed');
    expect(
      (await api(`/orders/${order.id}`, { headers: { authorization: `Bearer ${WRONG_TOKEN}` } })).status,
    ).toBe(404);
    // The order's stream with its cookie (an EventSource sends it), and its token exchanged for one.
    const cookie = { cookie: `order_token=${order.token}` };
    const orderStream = await fetch(`${stack.urls.web}/api/orders/${order.id}/events`, {
      headers: cookie,
      signal: AbortSignal.timeout(20_000),
    });
    expect(orderStream.status).toBe(200);
    await orderStream.body?.cancel();
    expect((await api(`/orders/${order.id}/session`, { method: 'POST', headers: mine })).status).toBe(200);
    // An old order link (`?token=`) as a browser opens it: web serves the page and logs no query.
    const oldLink = await fetch(`${stack.urls.web}/orders/${order.id}?token=${order.token}`);
    expect(oldLink.status).toBe(200);
    await oldLink.arrayBuffer();
    // The ledger's stream takes no token in the query (staff streams authenticate with web's
    // session, or a header): a break-glass token there is refused, in a header it is used.
    const streams: Array<[string, Record<string, string>, number]> = [
      [`/ledger/events/stream?token=${stack.adminToken}`, {}, 401],
      ['/ledger/events/stream', { authorization: `Bearer ${stack.adminToken}` }, 200],
    ];
    for (const [path, headers, status] of streams) {
      const stream = await fetch(`${stack.urls.web}/api${path}`, {
        headers,
        signal: AbortSignal.timeout(20_000),
      });
      expect(stream.status).toBe(status);
      await stream.body?.cancel();
    }
    expect((await api(`/orders/${order.id}/cancel`, { method: 'POST', headers: mine })).status).toBe(200);
    // The cancellation travels through the broker (debug logs every delivery) before we look.
    await expect
      .poll(async () => (await api(`/inventory/stock/${product.id}`)).body?.available, { timeout: 30_000 })
      .toBe(5);
    // payments refunds the authorization of the cancelled order.
    await expect
      .poll(() => stack.paymentSandbox.payments().find((p) => p.reference === order.id)?.status, {
        timeout: 30_000,
      })
      .toBe('refunded');
    // notifications mailed the confirmation, the cancellation and the refund (and logged each
    // without the address).
    await expect
      .poll(() => stack.mailCatcher.messages().filter((m) => m.envelope.to.includes(SHOPPER_EMAIL)).length, {
        timeout: 30_000,
      })
      .toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const logs = output.join('');
    expect(logs.length).toBeGreaterThan(10_000);
    expect(logs).toMatch(/delivery/); // debug lines of the mesh are in what we search
    for (const [name, secret] of Object.entries(secrets)) {
      expect(logs.includes(secret), `${name} appears in the logs`).toBe(false);
    }
  });
});
