/**
 * End to end, in Debian's Chromium against the stack `npm start` runs (web, the functions, the
 * mesh, the Firestore emulator, the payment sandbox, the mail catcher): a shopper browses, checks
 * out with a delivery address, pays on the provider's hosted page (another origin), watches the
 * order become confirmed live, gets the confirmation email and, once it is delivered, returns a
 * line; a declined card says so on the order page and holds no stock; an admin creates a product,
 * restocks it, ships and delivers an order; a shopper whose order cannot be filled sees the
 * shortage. Screenshots of the main screens go to .artifacts/screenshots.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Order } from '@stockflow/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARDS, TEST_ADDRESS } from '../system/shopper.ts';
import { startTestStack, type TestStack } from '../system/stack.ts';
import { type Browser, CHROMIUM, launchBrowser, shot, watchForErrors } from './browser.ts';
import { e2eClient, poll } from './client.ts';

describe.skipIf(!existsSync(CHROMIUM))('the shop in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let web: string;

  const { admin, placeDirectly, payPlaced, readPlaced, orderable, stockedProduct, signInAsAdmin } = e2eClient(
    () => stack,
  );

  async function openShop(viewport?: { width: number; height: number }) {
    const page = await browser.page(viewport);
    const errors = watchForErrors(page);
    return { page, errors };
  }

  /** Fills the checkout's delivery address (TEST_ADDRESS) as a shopper types it. */
  async function fillAddress(page: Page) {
    await page.getByRole('textbox', { name: 'Address line 1' }).fill(TEST_ADDRESS.line1);
    await page.getByRole('textbox', { name: 'Postal code' }).fill(TEST_ADDRESS.postalCode);
    await page.getByRole('textbox', { name: 'City' }).fill(TEST_ADDRESS.city);
    await page.getByRole('combobox', { name: 'Country' }).selectOption(TEST_ADDRESS.country);
  }

  /** Fills the checkout form: name, email and the delivery address. */
  async function fillCheckout(page: Page, name: string, email: string) {
    await page.getByRole('textbox', { name: 'Full name' }).fill(name);
    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    await fillAddress(page);
  }

  /**
   * On the order page, follows "Pay <amount>" to the provider's hosted page (a real navigation to
   * the sandbox's origin) and types `card` with an expiry and CVC; `beforePay` runs (a screenshot)
   * before the Pay button is pressed. Resolves once the provider has sent the shopper back.
   */
  async function payOnProviderPage(
    page: Page,
    amount: string,
    card: string,
    beforePay?: () => Promise<void>,
  ) {
    const orderUrl = page.url().split('#')[0]!;
    await page.getByRole('link', { name: `Pay ${amount}` }).click();
    await page.waitForURL((url) => url.origin === new URL(stack.urls.payments).origin);
    await page.getByRole('heading', { level: 1, name: `Pay ${amount}` }).waitFor();
    await page.getByRole('textbox', { name: 'Card number' }).fill(card.replace(/(\d{4})(?=\d)/g, '$1 '));
    await page.getByRole('textbox', { name: 'Expiry (MM/YY)' }).fill('12/34');
    await page.getByRole('textbox', { name: 'CVC' }).fill('123');
    await beforePay?.();
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.waitForURL((url) => url.href.split('#')[0] === orderUrl);
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

  it('a shopper checks out with an address, pays on the provider page, sees it confirmed live and returns a line', async () => {
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
    // A postal code that is not German is caught before the order is placed.
    await fillAddress(page);
    await page.getByRole('textbox', { name: 'Postal code' }).fill('1011');
    await page.getByRole('textbox', { name: 'City' }).focus();
    await page.getByText('Enter a postal code as used in Germany.').waitFor();
    await page.getByRole('textbox', { name: 'Postal code' }).fill(TEST_ADDRESS.postalCode);
    await page.getByRole('textbox', { name: 'City' }).focus();
    await expect.poll(() => page.getByText('Enter a postal code as used in Germany.').count()).toBe(0);
    await shot(page, '05-checkout-address');
    await page.getByRole('button', { name: 'Place order' }).dblclick();

    await page.getByText('Thank you, Ada Lovelace!').waitFor();
    const url = new URL(page.url());
    expect(url.pathname).toMatch(/^\/orders\//);
    // The link to keep carries the token in its fragment, never in its query string.
    expect(url.searchParams.get('token')).toBeNull();
    const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const orderId = decodeURIComponent(url.pathname.split('/').pop()!);
    // The items are reserved and payments opens the provider's step: "Pay" arrives live.
    await page.getByRole('link', { name: 'Pay €78.00' }).waitFor({ timeout: 30_000 });
    await page.locator('.badge', { hasText: 'Awaiting payment' }).waitFor();
    await shot(page, '06-order-pay');

    // The provider's webhooks wait until the shopper is back on the order page, so that the
    // confirmation can only arrive there live (over the event stream), never with a page load.
    stack.paymentSandbox.holdWebhooks();
    const loads = () => network.requests.filter((r) => r.type === 'Document').length;
    let loadsBefore: number;
    try {
      await payOnProviderPage(page, '€78.00', CARDS.approve, () => shot(page, '07-provider-page'));
      // Back before the provider's answer: told the payment is being checked, not asked to pay again.
      await page.locator('.badge', { hasText: 'Awaiting payment' }).waitFor();
      await page.getByText('Live', { exact: true }).waitFor();
      await shot(page, '08-back-from-provider');
      await page.getByText(/Checking your payment with our payment provider/).waitFor();
      expect(await page.getByRole('link', { name: 'Pay €78.00' }).count()).toBe(0);
      await page.getByRole('link', { name: 'Go back to the payment page' }).waitFor();
      loadsBefore = loads();
    } finally {
      // Held webhooks would otherwise stay held for the tests after this one.
      await stack.paymentSandbox.releaseWebhooks();
    }
    await page.locator('.badge', { hasText: 'Confirmed' }).waitFor({ timeout: 30_000 });
    await page.getByText('Paid: €78.00. We are preparing your order.').waitFor();
    expect(loads()).toBe(loadsBefore);
    await shot(page, '09-order-confirmed');

    const order = await admin<Order>(`/orders/${orderId}`);
    expect(order.body).toMatchObject({
      status: 'confirmed',
      totalCents: 7800,
      customer: { email: 'ada@example.com', address: TEST_ADDRESS },
      payment: { status: 'authorized' },
    });
    // The double click placed one order, and the provider took one payment for it.
    const recent = await admin<{ items: Order[] }>('/orders?limit=20');
    expect(recent.body.items.filter((o) => o.customer.email === 'ada@example.com')).toHaveLength(1);
    expect(stack.paymentSandbox.payments().filter((p) => p.reference === orderId)).toMatchObject([
      { status: 'authorized', amount: 7800 },
    ]);
    const level = await admin<{ reserved: number }>(`/inventory/stock/${lamp.id}`);
    expect(level.body.reserved).toBe(2);

    // The confirmation email, as the mail catcher caught it: about this order, with no card data.
    const mails = () => stack.mailCatcher.messages().filter((m) => m.envelope.to.includes('ada@example.com'));
    await expect.poll(() => mails().length, poll).toBeGreaterThan(0);
    const [confirmation] = mails();
    expect(confirmation!.subject).toBe(`Your order ${orderId} is confirmed`);
    expect(confirmation!.text).toContain(orderId);
    expect(confirmation!.text).toContain('€78.00');
    for (const part of [confirmation!.text, confirmation!.html]) {
      expect(part).not.toMatch(/4242\s?4242\s?4242\s?4242/);
      expect(part).not.toContain('12/34');
    }

    // The kept link opens the same order in a fresh tab of a browser without the cookie.
    await browser.context.clearCookies();
    const other = await browser.page({ width: 390, height: 844 });
    const otherNetwork = await networkLog(other);
    await other.goto(`${web}/orders/${encodeURIComponent(orderId)}#token=${token}`);
    await other.locator('.badge', { hasText: 'Confirmed' }).waitFor();
    await shot(other, '10-order-phone');
    // Chromium's network log: the SPA asked for the order, exchanged the token and opened the live
    // stream, and no URL it requested carried the token (the fragment stays in the browser), not
    // even on the provider's page.
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
    await shot(other, '11-catalog-phone');
    await other.close();

    // An old link with ?token= still opens the order, once: the page moves the token to the fragment.
    await browser.context.clearCookies();
    const old = await browser.page();
    const oldErrors = watchForErrors(old);
    const oldNetwork = await networkLog(old);
    await old.goto(`${web}/orders/${orderId}?token=${token}`);
    await old.locator('.badge', { hasText: 'Confirmed' }).waitFor();
    await expect.poll(() => new URL(old.url()).search).toBe('');
    expect(new URL(old.url()).hash).toBe(`#token=${token}`);
    // Only the old link's own navigation carried it; nothing the SPA requested afterwards did.
    const afterwards = oldNetwork.requests.filter((r) => r.type !== 'Document');
    expect(afterwards.some((r) => r.url.endsWith(`/api/orders/${orderId}/events`))).toBe(true);
    for (const request of afterwards) expect(request.url, request.url).not.toContain(token);

    // Staff ship and deliver it (the admin API, as a clerk); the open page follows live.
    expect((await admin(`/orders/${orderId}/ship`, { method: 'POST' })).status).toBe(200);
    expect((await admin(`/orders/${orderId}/deliver`, { method: 'POST' })).status).toBe(200);
    await old.locator('.badge', { hasText: 'Delivered' }).waitFor({ timeout: 30_000 });
    // The shopper sends one of the two lamps back from the order page.
    const returns = old.getByRole('form', { name: 'Return items' });
    await returns.getByRole('spinbutton', { name: 'Desk Lamp: how many to return' }).fill('3');
    await returns.getByText('You can return at most 2.').waitFor();
    await returns.getByRole('spinbutton', { name: 'Desk Lamp: how many to return' }).fill('1');
    await returns
      .getByRole('textbox', { name: 'Why are you returning them? (optional)' })
      .fill('Too bright for my desk.');
    await shot(old, '12-return-form');
    await returns.getByRole('button', { name: 'Request return' }).click();
    const returnList = old.getByRole('list', { name: 'Returns' });
    await returnList.getByText('Requested: send the items back').waitFor();
    await returnList.getByText('Desk Lamp × 1').waitFor();
    await shot(old, '13-return-requested');
    const returned = await admin<Order>(`/orders/${orderId}`);
    expect(returned.body.returns).toMatchObject([
      {
        status: 'requested',
        items: [{ productId: lamp.id, quantity: 1 }],
        reason: 'Too bright for my desk.',
      },
    ]);
    // One lamp is left to return: the form stays, offering at most one.
    await returns.getByText('Up to 1').waitFor();
    await old.close();
    expect(oldErrors).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a declining card shows a clear message on the order page and holds no stock', async () => {
    const bowl = await stockedProduct('Stone Bowl', 2400, 5, { category: 'Kitchen' });
    const stockOf = async () =>
      (await admin<{ onHand: number; reserved: number }>(`/inventory/stock/${bowl.id}`)).body;
    const before = await stockOf();
    const { page, errors } = await openShop();
    await page.goto(`${web}/products/${encodeURIComponent(bowl.id)}`);
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added 1 to your cart.').waitFor();
    await page.goto(`${web}/checkout`);
    await fillCheckout(page, 'Charles Babbage', 'charles@example.com');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('link', { name: 'Pay €24.00' }).waitFor({ timeout: 30_000 });
    const orderId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    // Reserved while it waits for payment.
    expect(await stockOf()).toMatchObject({ onHand: before.onHand, reserved: before.reserved + 1 });

    await payOnProviderPage(page, '€24.00', CARDS.decline);
    const message = page.getByRole('alert').filter({ hasText: 'declined' });
    await message.waitFor({ timeout: 30_000 });
    expect(await message.textContent()).toBe(
      'Your payment was declined: Your card was declined. Nothing was charged and the items were released.',
    );
    await page.locator('.badge', { hasText: 'Cancelled' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: /^Pay / }).count()).toBe(0);
    await shot(page, '14-order-declined');
    // Checkout emptied the cart; the order page puts the bowl back in it to try another card.
    await page.getByRole('button', { name: 'Put the items back in my cart' }).click();
    await page.getByRole('heading', { name: 'Your cart' }).waitFor();
    await page.getByRole('link', { name: 'Stone Bowl' }).waitFor();
    await shot(page, '15-cart-after-decline');
    // Emptied again: the cart lives in the browser's storage, which the next tests share.
    await page.getByRole('button', { name: 'Remove Stone Bowl' }).click();

    // The hold is released: the stock is as it was before the order.
    await expect.poll(stockOf, poll).toMatchObject({ onHand: before.onHand, reserved: before.reserved });
    expect(await admin<Order>(`/orders/${orderId}`)).toMatchObject({
      body: { status: 'cancelled', cancelCause: 'payment-declined', payment: { status: 'declined' } },
    });
    expect(stack.paymentSandbox.payments().filter((p) => p.reference === orderId)).toMatchObject([
      { status: 'declined' },
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an admin creates a product, restocks it, ships and delivers an order', async () => {
    const { page, errors } = await openShop();
    await signInAsAdmin(page);
    await page.getByRole('link', { name: 'New product' }).click();
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByText('Enter a price such as 12.50.').waitFor();
    await shot(page, '16-admin-new-product-errors');
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
    await shot(page, '17-admin-product-restocked');

    await page.getByRole('link', { name: 'Stock', exact: true }).click();
    await page.getByRole('link', { name: 'Copper Kettle' }).waitFor();
    await shot(page, '18-admin-stock');

    // A shopper orders two kettles and pays for them.
    await orderable(productId);
    const placed = await placeDirectly([{ productId, quantity: 2 }], 'Grace Hopper');
    expect(placed.status).toBe(202);
    await payPlaced(placed.body);

    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('combobox', { name: 'Status' }).selectOption('confirmed');
    const row = page.getByRole('link', { name: placed.body.id.slice(0, 8) });
    await row.waitFor();
    await shot(page, '19-admin-orders');
    await row.click();
    await page.getByRole('button', { name: 'Mark as shipped' }).click();
    await page.locator('.page-head .badge', { hasText: 'Shipped' }).waitFor();
    await shot(page, '21-admin-order-shipped');
    await page.getByRole('button', { name: 'Mark delivered' }).click();
    await page.locator('.page-head .badge', { hasText: 'Delivered' }).waitFor();
    expect((await readPlaced(placed.body)()).returnUntil).toBeDefined();

    // Shipping commits the reservation: on hand drops by two.
    await expect
      .poll(
        async () => (await admin<{ onHand: number; reserved: number }>(`/inventory/stock/${productId}`)).body,
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
    // Someone else takes the last one before checkout: it is held for them while they pay.
    const rival = await placeDirectly([{ productId: vase.id, quantity: 1 }], 'Rival');
    expect(rival.status).toBe(202);
    await expect.poll(async () => (await readPlaced(rival.body)()).status, poll).toBe('awaiting-payment');

    // The cart, on a phone, warns that the last one has gone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${web}/cart`);
    await page.getByText('Out of stock right now').waitFor();
    await shot(page, '22-cart-phone-short');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.goto(`${web}/checkout`);
    await fillCheckout(page, 'Alan Turing', 'alan@example.com');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('.badge', { hasText: 'Rejected' }).waitFor({ timeout: 30_000 });
    await page.getByText('Glass Vase: you asked for 1, none are available.').waitFor();
    // No "you pay on this page" for an order that cannot be paid.
    expect(await page.getByText('Thank you, Alan Turing!').count()).toBe(0);
    await shot(page, '23-order-rejected');
    expect(errors).toEqual([]);
    await page.close();
  });
});
