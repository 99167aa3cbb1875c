/**
 * Messages to the shopper through the whole stack `npm start` runs: an order placed through web is
 * confirmed by the saga, and notifications mails exactly one confirmation to the stack's SMTP
 * catcher, read over its HTTP listing. Redelivered and replayed events send nothing more; an SMTP
 * server that refuses, then accepts, gets the message once; an order shipped from two locations
 * gets one message per shipment.
 */
import { randomUUID } from 'node:crypto';
import type { Order, PlacedOrder, Product } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaughtMessage } from '../../packages/mesh/src/runner/mail-catcher.ts';
import { payOrder, shopper } from './shopper.ts';
import { startTestStack, type TestStack } from './stack.ts';

const poll = { timeout: 30_000, interval: 100 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('messages to the shopper through the whole stack', () => {
  let stack: TestStack;
  let product: Product | undefined;

  async function call<T>(
    fn: string,
    path: string,
    init: { method?: string; body?: unknown; token?: string } = {},
  ) {
    const res = await fetch(`${stack.urls.web ?? ''}/api/${fn}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** What the catcher received for `email`, read over its HTTP listing. */
  async function mailTo(email: string): Promise<CaughtMessage[]> {
    const res = await fetch(`${stack.urls.mail}/messages?to=${encodeURIComponent(email)}`);
    return ((await res.json()) as { items: CaughtMessage[] }).items;
  }

  /** A stocked product orders knows (created once, for every test). */
  async function stockedProduct(): Promise<void> {
    if (product) return;
    const created = await call<Product>('catalog', '/products', {
      method: 'POST',
      token: stack.adminToken,
      body: {
        sku: `MUG-${randomUUID().slice(0, 8)}`,
        name: 'Mug & Saucer',
        priceCents: 1250,
        currency: 'EUR',
      },
    });
    expect(created.status).toBe(201);
    product = created.body;
    expect(
      await stack.publish({
        type: 'io.stockflow.goods.received',
        source: '/partners/warehouse',
        data: { productId: product!.id, quantity: 100, reference: `r-${randomUUID()}` },
      }),
    ).toBe(202);
    // Orders knows the product once product.created reached its projection.
    await expect
      .poll(
        async () =>
          (
            await call('orders', '/', {
              method: 'POST',
              body: {
                items: [{ productId: product!.id, quantity: 1_000_000 }],
                customer: shopper('probe', 'probe@example.com'),
              },
            })
          ).status,
        poll,
      )
      .toBe(202);
  }

  async function placeConfirmed(email: string): Promise<PlacedOrder> {
    await stockedProduct();
    const res = await call<PlacedOrder>('orders', '/', {
      method: 'POST',
      body: { items: [{ productId: product!.id, quantity: 2 }], customer: shopper('Grace <Hopper>', email) },
    });
    expect(res.status).toBe(202);
    const order = async () =>
      (await call<Order>('orders', `/${res.body.id}`, { token: stack.adminToken })).body;
    await payOrder(stack, order);
    await expect.poll(async () => (await order()).status, poll).toBe('confirmed');
    return res.body;
  }

  beforeAll(async () => {
    stack = await startTestStack({ env: { MAIL_RETRY_MIN_MS: '300' } });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('mails one confirmation with the order to the shopper; a replay or a duplicate sends nothing more', async () => {
    const email = `grace-${randomUUID().slice(0, 8)}@example.com`;
    const order = await placeConfirmed(email);
    await expect.poll(async () => (await mailTo(email)).length, poll).toBe(1);
    const [mail] = await mailTo(email);
    expect(mail!.subject).toBe(`Your order ${order.id} is confirmed`);
    expect(mail!.text).toContain('Hello Grace <Hopper>');
    expect(mail!.text).toContain('2 × Mug & Saucer  €25.00');
    expect(mail!.html).toContain('Grace &lt;Hopper&gt;');

    // The same event again (a replay keeps its id), and another of the same meaning.
    const replayId = randomUUID();
    for (const id of [replayId, replayId, randomUUID()]) {
      expect(
        await stack.publish({
          type: 'io.stockflow.order.confirmed',
          source: '/orders',
          id,
          subject: order.id,
          data: { orderId: order.id },
        }),
      ).toBe(202);
    }
    await sleep(1_500);
    expect(await mailTo(email)).toHaveLength(1);
    const messages = await call<{ items: Array<{ kind: string; status: string }> }>(
      'notifications',
      `/messages?orderId=${order.id}`,
      { token: stack.adminToken },
    );
    expect(messages.status).toBe(200);
    expect(messages.body.items).toMatchObject([{ kind: 'confirmed', status: 'sent' }]);
  });

  it('mails once when the SMTP server refuses, then accepts', async () => {
    const email = `ada-${randomUUID().slice(0, 8)}@example.com`;
    stack.mailCatcher.refuseNext(2);
    const order = await placeConfirmed(email);
    await expect.poll(async () => (await mailTo(email)).length, poll).toBe(1);
    await sleep(1_500);
    expect(await mailTo(email)).toHaveLength(1);
    const messages = await call<{ items: Array<{ status: string; attempts: number }> }>(
      'notifications',
      `/messages?orderId=${order.id}`,
      { token: stack.adminToken },
    );
    expect(messages.body.items).toMatchObject([{ status: 'sent', attempts: 3 }]);
  });

  it('mails one message per shipment when the order ships from two locations', async () => {
    const email = `mary-${randomUUID().slice(0, 8)}@example.com`;
    const created = await call<Product>('catalog', '/products', {
      method: 'POST',
      token: stack.adminToken,
      body: { sku: `POT-${randomUUID().slice(0, 8)}`, name: 'Teapot', priceCents: 3000, currency: 'EUR' },
    });
    expect(created.status).toBe(201);
    const productId = created.body.id;
    const east = `east-${randomUUID().slice(0, 8)}`;
    const location = await call('inventory', '/locations', {
      method: 'POST',
      token: stack.adminToken,
      body: { id: east, name: 'East', priority: 500 },
    });
    expect(location.status).toBe(201);
    // One teapot in the default location, one in the east: an order of two ships in two parts.
    for (const locationId of [undefined, east]) {
      expect(
        await stack.publish({
          type: 'io.stockflow.goods.received',
          source: '/partners/warehouse',
          data: {
            productId,
            quantity: 1,
            reference: `r-${randomUUID()}`,
            ...(locationId ? { locationId } : {}),
          },
        }),
      ).toBe(202);
    }
    await expect
      .poll(
        async () =>
          (await call<{ onHand: number }>('inventory', `/stock/${productId}`, { token: stack.adminToken }))
            .body?.onHand,
        poll,
      )
      .toBe(2);
    // Orders knows the product once product.created reached its projection.
    let orderId = '';
    await expect
      .poll(async () => {
        const res = await call<PlacedOrder>('orders', '/', {
          method: 'POST',
          body: { items: [{ productId, quantity: 2 }], customer: shopper('Mary Jackson', email) },
        });
        orderId = res.body?.id ?? '';
        return res.status;
      }, poll)
      .toBe(202);
    const order = async () => (await call<Order>('orders', `/${orderId}`, { token: stack.adminToken })).body;
    await payOrder(stack, order);
    await expect.poll(async () => (await order()).status, poll).toBe('confirmed');
    expect((await order()).shipments?.map((s) => s.id).sort()).toEqual(['default', east].sort());
    for (const shipmentId of [east, 'default']) {
      const shipped = await call('orders', `/${orderId}/shipments/${shipmentId}/ship`, {
        method: 'POST',
        token: stack.adminToken,
      });
      expect(shipped.status).toBe(200);
    }
    // The confirmation and one message per shipment; the completing order.shipped adds none.
    await expect.poll(async () => (await mailTo(email)).length, poll).toBe(3);
    await sleep(1_500);
    const subjects = (await mailTo(email)).map((m) => m.subject).sort();
    expect(subjects).toEqual(
      [
        `Shipment ${east} of your order ${orderId} has shipped`,
        `Shipment default of your order ${orderId} has shipped`,
        `Your order ${orderId} is confirmed`,
      ].sort(),
    );
    const [east1] = (await mailTo(email)).filter((m) => m.subject.includes(east));
    expect(east1!.text).toContain('1 × Teapot');
  });

  it('writes no address to any log line', () => {
    expect(stack.logs()).not.toMatch(/@example\.com/);
  });
});
