/**
 * End to end, in Debian's Chromium against the stack `npm start` runs (web, the functions, the
 * mesh, the Firestore emulator): a shopper browses, buys and watches the order become confirmed
 * live; an admin creates a product, restocks it and ships an order; a shopper whose order cannot
 * be filled sees the shortage. Screenshots of the main screens go to .artifacts/screenshots.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Order } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../system/stack.ts';
import { type Browser, CHROMIUM, launchBrowser, shot, watchForErrors } from './browser.ts';
import { e2eClient, poll } from './client.ts';

describe.skipIf(!existsSync(CHROMIUM))('the shop in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let web: string;

  const { api, placeDirectly, orderable, stockedProduct, signInAsAdmin } = e2eClient(() => stack);

  async function openShop(viewport?: { width: number; height: number }) {
    const page = await browser.page(viewport);
    const errors = watchForErrors(page);
    return { page, errors };
  }

  /**
   * Chromium's own network log of a tab (DevTools protocol): every request's URL as sent (the
   * fragment apart), method and resource type, and the status of each answer.
   */
  async function networkLog(page: Awaited<ReturnType<Browser['page']>>) {
    const requests: Array<{ id: string; url: string; fragment?: string; method: string; type?: string }> = [];
    const statuses = new Map<string, number>();
    const cdp = await page.context().newCDPSession(page);
    cdp.on('Network.requestWillBeSent', (event) =>
      requests.push({
        id: event.requestId,
        url: event.request.url,
        fragment: event.request.urlFragment,
        method: event.request.method,
        type: event.type,
      }),
    );
    cdp.on('Network.responseReceived', (event) => statuses.set(event.requestId, event.response.status));
    await cdp.send('Network.enable');
    return {
      requests,
      /** The statuses answered to requests whose URL ends with `path`. */
      streams: (path: string) => requests.filter((r) => r.url.endsWith(path)).map((r) => statuses.get(r.id)),
    };
  }

  beforeAll(async () => {
    stack = await startTestStack();
    if (!stack.urls.web) throw new Error('web is not running: run `npm run build` first');
    web = stack.urls.web;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a shopper browses, buys, and watches the order become confirmed live', async () => {
    const lamp = await stockedProduct('Desk Lamp', 3900, 12, {
      category: 'Lighting',
      description: 'A warm, dimmable light for late evenings.',
    });
    await stockedProduct('Linen Throw', 5900, 3, { category: 'Living' });
    await stockedProduct('Ceramic Mug', 1250, 40, { category: 'Kitchen' });
    const { page, errors } = await openShop();
    const network = await networkLog(page);

    await page.goto(web);
    await page.getByRole('heading', { name: 'Desk Lamp' }).waitFor();
    await page.getByText('Only 3 left').waitFor();
    await shot(page, '01-catalog');
    await page.getByRole('searchbox', { name: 'Search products' }).fill('desk');
    await expect.poll(() => page.getByRole('heading', { name: 'Ceramic Mug' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Desk Lamp' }).click();

    await page.getByRole('heading', { level: 1, name: 'Desk Lamp' }).waitFor();
    await page.getByText('In stock').waitFor();
    await page.getByRole('spinbutton', { name: 'Quantity' }).fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added 2 to your cart.').waitFor();
    await shot(page, '02-product');

    await page.getByRole('link', { name: 'Cart, 2 items' }).click();
    await page.getByRole('heading', { name: 'Your cart' }).waitFor();
    await page.getByText('€78.00').first().waitFor();
    await shot(page, '03-cart');
    // The cart survives a reload.
    await page.reload();
    await page.getByRole('link', { name: 'Cart, 2 items' }).waitFor();
    await page.getByRole('link', { name: 'Checkout' }).click();

    await page.getByRole('textbox', { name: 'Full name' }).fill('Ada Lovelace');
    await page.getByRole('textbox', { name: 'Email' }).fill('ada@example');
    await page.getByRole('textbox', { name: 'Full name' }).focus();
    await page.getByText('Enter an email address like name@example.com.').waitFor();
    await shot(page, '04-checkout-invalid');
    await page.getByRole('textbox', { name: 'Email' }).fill('ada@example.com');
    await page.getByRole('button', { name: 'Place order' }).dblclick();

    await page.getByText('Thank you, Ada Lovelace!').waitFor();
    const url = new URL(page.url());
    expect(url.pathname).toMatch(/^\/orders\//);
    // The link to keep carries the token in its fragment, never in its query string.
    expect(url.searchParams.get('token')).toBeNull();
    const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Confirmed arrives over the event stream (authenticated by the order's cookie): no reload.
    await page.locator('.badge', { hasText: 'Confirmed' }).waitFor({ timeout: 30_000 });
    await shot(page, '05-order-confirmed');
    const orderId = decodeURIComponent(url.pathname.split('/').pop()!);
    const order = await api<Order>(`/orders/${orderId}`, { token: stack.adminToken });
    expect(order.body).toMatchObject({
      status: 'confirmed',
      totalCents: 7800,
      customer: { email: 'ada@example.com' },
    });
    // The double click placed one order.
    const recent = await api<{ items: Order[] }>('/orders?limit=20', { token: stack.adminToken });
    expect(recent.body.items.filter((o) => o.customer.email === 'ada@example.com')).toHaveLength(1);
    const level = await api<{ reserved: number }>(`/inventory/stock/${lamp.id}`, { token: stack.adminToken });
    expect(level.body.reserved).toBe(2);

    // The kept link opens the same order in a fresh tab of a browser without the cookie.
    await browser.context.clearCookies();
    const other = await browser.page({ width: 390, height: 844 });
    const otherNetwork = await networkLog(other);
    await other.goto(page.url());
    await other.locator('.badge', { hasText: 'Confirmed' }).waitFor();
    await shot(other, '06-order-phone');
    // Chromium's network log: the SPA asked for the order, exchanged the token and opened the live
    // stream, and no URL it requested carried the token (the fragment stays in the browser).
    for (const log of [network, otherNetwork]) {
      expect(log.requests.some((r) => r.url.endsWith(`/api/orders/${orderId}/events`))).toBe(true);
      for (const request of log.requests) expect(request.url, request.url).not.toContain(token);
    }
    expect(network.streams(`/api/orders/${orderId}/events`)).toContain(200);
    expect(
      otherNetwork.requests.some((r) => r.method === 'POST' && r.url.endsWith(`/${orderId}/session`)),
    ).toBe(true);
    expect(otherNetwork.requests.find((r) => r.type === 'Document')?.fragment).toBe(`#token=${token}`);
    await other.goto(web);
    await other.getByRole('heading', { name: 'Desk Lamp' }).waitFor();
    await shot(other, '07-catalog-phone');
    await other.close();

    // An old link with ?token= still opens the order, once: the page moves the token to the fragment.
    await browser.context.clearCookies();
    const old = await browser.page();
    const oldNetwork = await networkLog(old);
    await old.goto(`${web}/orders/${orderId}?token=${token}`);
    await old.locator('.badge', { hasText: 'Confirmed' }).waitFor();
    await expect.poll(() => new URL(old.url()).search).toBe('');
    expect(new URL(old.url()).hash).toBe(`#token=${token}`);
    // Only the old link's own navigation carried it; nothing the SPA requested afterwards did.
    const afterwards = oldNetwork.requests.filter((r) => r.type !== 'Document');
    expect(afterwards.some((r) => r.url.endsWith(`/api/orders/${orderId}/events`))).toBe(true);
    for (const request of afterwards) expect(request.url, request.url).not.toContain(token);
    await old.close();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an admin creates a product, restocks it, and ships an order', async () => {
    const { page, errors } = await openShop();
    await signInAsAdmin(page);
    await page.getByRole('link', { name: 'New product' }).click();
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByText('Enter a price such as 12.50.').waitFor();
    await shot(page, '08-admin-new-product-errors');
    const sku = `KETTLE-${randomUUID().slice(0, 6)}`.toUpperCase();
    await page.getByRole('textbox', { name: 'SKU' }).fill(sku);
    await page.getByRole('textbox', { name: 'Name' }).fill('Copper Kettle');
    await page.getByRole('textbox', { name: 'Description' }).fill('Boils a litre in two minutes.');
    await page.getByRole('textbox', { name: 'Price' }).fill('64.90');
    await page.getByRole('textbox', { name: 'Category' }).fill('Kitchen');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByText('Product created. Add its stock on the right.').waitFor();
    const productId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);

    const stockPanel = page.getByRole('complementary', { name: 'Stock' });
    await stockPanel.getByRole('textbox', { name: 'Change' }).fill('8');
    await stockPanel.getByRole('textbox', { name: 'Reason' }).fill('Delivery from supplier');
    await stockPanel.getByRole('button', { name: 'Adjust' }).click();
    await stockPanel.getByText('Added 8. On hand now 8.').waitFor();
    await shot(page, '09-admin-product-restocked');

    await page.getByRole('link', { name: 'Stock', exact: true }).click();
    await page.getByRole('link', { name: 'Copper Kettle' }).waitFor();
    await shot(page, '10-admin-stock');

    // A shopper orders two kettles.
    await orderable(productId);
    const placed = await placeDirectly([{ productId, quantity: 2 }], 'Grace Hopper');
    expect(placed.status).toBe(202);
    await expect
      .poll(
        async () => (await api<Order>(`/orders/${placed.body.id}`, { token: placed.body.token })).body.status,
        poll,
      )
      .toBe('confirmed');

    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('confirmed');
    const row = page.getByRole('link', { name: placed.body.id.slice(0, 8) });
    await row.waitFor();
    await shot(page, '11-admin-orders');
    await row.click();
    await page.getByRole('button', { name: 'Mark as shipped' }).click();
    await page.locator('.badge', { hasText: 'Shipped' }).waitFor();
    await shot(page, '12-admin-order-shipped');

    // Shipping commits the reservation: on hand drops by two.
    await expect
      .poll(
        async () =>
          (
            await api<{ onHand: number; reserved: number }>(`/inventory/stock/${productId}`, {
              token: stack.adminToken,
            })
          ).body,
        poll,
      )
      .toMatchObject({ onHand: 6, reserved: 0 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a shopper whose order cannot be filled sees the shortage', async () => {
    const vase = await stockedProduct('Glass Vase', 2900, 1, { category: 'Living' });
    const { page, errors } = await openShop();
    await page.goto(`${web}/products/${encodeURIComponent(vase.id)}`);
    await page.getByText('Only 1 left').waitFor();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    // Someone else takes the last one before checkout.
    const rival = await placeDirectly([{ productId: vase.id, quantity: 1 }], 'Rival');
    expect(rival.status).toBe(202);
    await expect
      .poll(
        async () => (await api<Order>(`/orders/${rival.body.id}`, { token: rival.body.token })).body.status,
        poll,
      )
      .toBe('confirmed');

    // The cart, on a phone, warns that the last one has gone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${web}/cart`);
    await page.getByText('Out of stock right now').waitFor();
    await shot(page, '14-cart-phone-short');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${web}/checkout`);
    await page.getByRole('textbox', { name: 'Full name' }).fill('Alan Turing');
    await page.getByRole('textbox', { name: 'Email' }).fill('alan@example.com');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('.badge', { hasText: 'Rejected' }).waitFor({ timeout: 30_000 });
    await page.getByText('Glass Vase: you asked for 1, none are available.').waitFor();
    await shot(page, '13-order-rejected');
    expect(errors).toEqual([]);
    await page.close();
  });
});
