/**
 * @module The shop to WCAG 2.2 A/AA in Debian's Chromium (issue 18): every shopper screen in its
 * main states passes axe-core with no serious or critical violation, and a shopper with the
 * keyboard alone searches, adds to the cart, checks out, pays on the provider's page and cancels,
 * seeing where focus is and hearing what changed.
 */
import { existsSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CARDS, TEST_ADDRESS } from '../system/shopper.ts';
import { describeViolations, expectAccessible, findViolations } from './axe.ts';
import { CHROMIUM, shot, watchForErrors } from './browser.ts';
import { e2eClient, poll } from './client.ts';
import { useE2eSession } from './session.ts';

describe.skipIf(!existsSync(CHROMIUM))('the shop to WCAG 2.2 AA', () => {
  const session = useE2eSession();
  const { admin, placeDirectly, payPlaced, stockedProduct } = e2eClient(session.stack);

  /** The order page a shopper's kept link opens (the token rides in the fragment). */
  const orderUrl = (placed: { id: string; token: string }) =>
    `${session.web()}/orders/${encodeURIComponent(placed.id)}#token=${placed.token}`;
  const badge = (page: Page, status: string) => page.locator('.badge', { hasText: status });

  it('every shop screen in its main states has no serious or critical axe violation', async () => {
    const lamp = await stockedProduct('Reading Lamp', 3900, 12, { category: 'Lighting' });
    await stockedProduct('Wool Blanket', 5900, 3, { category: 'Living' });
    await stockedProduct('Sold Out Vase', 2900, 0, { category: 'Living' });
    const page = await session.browser().page();
    const errors = watchForErrors(page);

    await page.goto(session.web());
    await page.getByRole('heading', { name: 'Reading Lamp' }).waitFor();
    await page.getByText('Only 3 left').waitFor();
    await expectAccessible(page, 'catalog, loaded');
    await shot(page, 'a11y-catalog');

    await page.getByRole('searchbox', { name: 'Search products' }).fill('no-such-thing-anywhere');
    await page.getByText('No products match your search').waitFor();
    await expectAccessible(page, 'catalog, empty search result');

    // The catalog API failing (the request aborted in the browser): the error state.
    await page.route('**/api/catalog/products**', (route) => route.abort());
    await page.goto(`${session.web()}/?q=lamp`);
    await page.getByRole('alert').first().waitFor();
    await expectAccessible(page, 'catalog, error');
    await page.unroute('**/api/catalog/products**');

    await page.goto(`${session.web()}/products/${encodeURIComponent(lamp.id)}`);
    await page.getByRole('heading', { level: 1, name: 'Reading Lamp' }).waitFor();
    await page.getByText('In stock').waitFor();
    await expectAccessible(page, 'product page');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.getByText('Added 1 to your cart.').waitFor();
    await expectAccessible(page, 'product page, added to cart');

    await page.goto(`${session.web()}/cart`);
    await page.getByRole('link', { name: 'Reading Lamp' }).waitFor();
    await expectAccessible(page, 'cart, with lines');

    await page.goto(`${session.web()}/checkout`);
    await page.getByRole('button', { name: 'Place order' }).waitFor();
    await expectAccessible(page, 'checkout, empty');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('alert').first().waitFor();
    await expectAccessible(page, 'checkout, field errors shown');
    await shot(page, 'a11y-checkout-errors');

    await page.evaluate(() => localStorage.clear());
    await page.goto(`${session.web()}/cart`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expectAccessible(page, 'cart, empty');

    await page.goto(`${session.web()}/no-such-page`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expectAccessible(page, 'not found');

    // Orders in each state, placed and moved on by the test, read by their shopper.
    const pending = (await placeDirectly([{ productId: lamp.id, quantity: 1 }], 'Ada Lovelace')).body;
    await page.goto(orderUrl(pending));
    await page.getByRole('link', { name: 'Pay €39.00' }).waitFor({ timeout: 30_000 });
    await expectAccessible(page, 'order, awaiting payment with Pay');
    await shot(page, 'a11y-order-pay');

    await page.getByRole('link', { name: 'Pay €39.00' }).click();
    await page.waitForURL((url) => url.origin === new URL(session.stack().urls.payments).origin);
    await page.getByRole('heading', { level: 1, name: 'Pay €39.00' }).waitFor();
    await expectAccessible(page, "payment provider's hosted page");
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.getByRole('alert').first().waitFor();
    await expectAccessible(page, "payment provider's hosted page, field errors");
    await shot(page, 'a11y-provider-errors');

    await payPlaced(pending, CARDS.approve);
    await page.goto(orderUrl(pending));
    await badge(page, 'Confirmed').waitFor();
    await expectAccessible(page, 'order, confirmed');

    const declined = (await placeDirectly([{ productId: lamp.id, quantity: 1 }], 'Charles Babbage')).body;
    await payPlaced(declined, CARDS.decline, 'cancelled');
    await page.goto(orderUrl(declined));
    await badge(page, 'Cancelled').waitFor();
    await page.getByRole('alert').filter({ hasText: 'declined' }).waitFor();
    await expectAccessible(page, 'order, payment declined');

    expect((await admin(`/orders/${pending.id}/ship`, { method: 'POST' })).status).toBe(200);
    expect((await admin(`/orders/${pending.id}/deliver`, { method: 'POST' })).status).toBe(200);
    await page.goto(orderUrl(pending));
    await badge(page, 'Delivered').waitFor();
    const returns = page.getByRole('form', { name: 'Return items' });
    await returns.waitFor();
    await expectAccessible(page, 'order, delivered with the return form');
    await shot(page, 'a11y-order-delivered');
    await returns.getByRole('spinbutton', { name: 'Reading Lamp: how many to return' }).fill('3');
    await returns.getByText('You can return at most 1.').waitFor();
    await expectAccessible(page, 'order, return form with an error');

    // What the test provoked on purpose: the aborted catalog request, the provider's 422 to an empty form.
    const provoked = /net::ERR_FAILED|status of 422/;
    expect(errors.filter((error) => !provoked.test(error))).toEqual([]);
    await page.close();
  });

  it("on a phone's screen, names the brand link and each card once, and uses what web's page carries", async () => {
    const kettle = await stockedProduct('Phone Kettle', 2900, 12, { category: 'Kitchen' });
    // Lighthouse's mobile screen: the brand's text is out of sight there.
    const page = await session.browser().page({ width: 412, height: 823 });
    const errors = watchForErrors(page);
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    await page.goto(session.web());
    await page.getByRole('heading', { name: 'Phone Kettle' }).waitFor();
    // The badges follow the first screen's paint; the next page waits until the shopper scrolls.
    await page.locator('li.product-card .badge').first().waitFor();
    await page.waitForTimeout(500);
    expect(asked.filter((path) => path === '/api/catalog/products')).toEqual([]);
    await expectAccessible(page, 'catalog on a phone');
    expect(await page.getByRole('link', { name: 'Stockflow' }).isVisible()).toBe(true);
    expect(describeViolations(await findViolations(page, ['image-redundant-alt', 'link-name']))).toBe('');

    // The product page's HTML carries its first answers and the entry its code: nothing more to ask.
    asked.length = 0;
    await page.goto(`${session.web()}/products/${encodeURIComponent(kettle.id)}`);
    await page.getByRole('heading', { level: 1, name: 'Phone Kettle' }).waitFor();
    await page.getByText('In stock').waitFor();
    const product = `/api/catalog/products/${encodeURIComponent(kettle.id)}`;
    expect(asked.filter((path) => path === product)).toEqual([]);
    expect(asked.filter((path) => /\/assets\/ProductPage-[\w-]+\.js$/.test(path))).toEqual([]);
    const html = await (await fetch(`${session.web()}/products/${encodeURIComponent(kettle.id)}`)).text();
    expect(html).toContain(`<script type="application/json" id="first-answers">{"${product}":`);
    expect(html).not.toContain(`<link rel="preload" as="fetch" crossorigin href="${product}">`);
    expect(errors).toEqual([]);
    await page.close();
  });

  /** Whether the focused element shows it: a computed outline or box-shadow (WCAG 2.4.7). */
  const focusIsVisible = (page: Page) =>
    page.evaluate(() => {
      const element = document.activeElement;
      if (!element || element === document.body) return false;
      const style = getComputedStyle(element);
      const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
      return outline || style.boxShadow !== 'none';
    });

  /** Whether the sticky header leaves the focused element in sight (WCAG 2.4.11). */
  const focusIsUnobscured = (page: Page) =>
    page.evaluate(() => {
      const element = document.activeElement;
      const header = document.querySelector('.site-header');
      // The skip link and the header's own links sit above main on purpose.
      if (!element || !header || !document.querySelector('main')?.contains(element)) return true;
      return element.getBoundingClientRect().top >= header.getBoundingClientRect().bottom - 1;
    });

  /**
   * Presses Tab (or Shift+Tab) until `target` has focus, checking at each stop that focus is
   * visible; fails after `max` presses.
   */
  async function tabTo(page: Page, target: Locator, { back = false, max = 60 } = {}) {
    for (let presses = 0; presses < max; presses++) {
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
      const tag = await page.evaluate(() => document.activeElement?.tagName);
      if (tag !== 'BODY' && tag !== 'IFRAME') {
        expect(await focusIsVisible(page), `focus visible on ${tag}`).toBe(true);
        expect(await focusIsUnobscured(page), `${tag} in sight below the header`).toBe(true);
      }
      if (await target.evaluate((element) => element === document.activeElement).catch(() => false)) return;
    }
    throw new Error(`${target} never took focus in ${max} presses`);
  }

  /** After a route change, focus sits on the new page's h1. */
  const expectHeadingFocused = (page: Page, name: string | RegExp) =>
    expect
      .poll(() =>
        page.evaluate(() =>
          document.activeElement?.tagName === 'H1' ? document.activeElement.textContent : null,
        ),
      )
      .toMatch(name);

  /** Tabs to a text box and types into it. */
  async function typeInto(page: Page, field: Locator, text: string) {
    await tabTo(page, field);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(text);
  }

  it('a shopper searches, checks out, pays and cancels with the keyboard alone', async () => {
    await stockedProduct('Keyboard Lamp', 4500, 10, { category: 'Lighting' });
    const mat = await stockedProduct('Mouse Mat', 900, 10, { category: 'Office' });
    const page = await session.browser().page();
    const errors = watchForErrors(page);
    await page.goto(session.web());
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    await page.getByRole('heading', { name: 'Mouse Mat' }).waitFor();

    // Search, then open the product from the grid.
    await typeInto(page, page.getByRole('searchbox', { name: 'Search products' }), 'keyboard');
    await expect.poll(() => page.getByRole('heading', { name: 'Mouse Mat' }).count()).toBe(0);
    await tabTo(page, page.getByRole('link', { name: 'Keyboard Lamp' }));
    await page.keyboard.press('Enter');
    await expectHeadingFocused(page, 'Keyboard Lamp');

    await tabTo(page, page.getByRole('button', { name: 'Add to cart' }));
    await page.keyboard.press('Enter');
    await page.getByText('Added 1 to your cart.').waitFor();
    await tabTo(page, page.getByRole('link', { name: 'Cart, 1 item' }), { back: true });
    await page.keyboard.press('Enter');
    await expectHeadingFocused(page, 'Your cart');
    await tabTo(page, page.getByRole('link', { name: 'Checkout' }));
    await page.keyboard.press('Enter');
    await expectHeadingFocused(page, /Checkout/);

    // Placing the empty form: the errors are announced and focus goes to the first one.
    const placeOrder = page.getByRole('button', { name: 'Place order' });
    await tabTo(page, placeOrder);
    await page.keyboard.press('Enter');
    await page.getByRole('alert').first().waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-invalid'))).toBe('true');
    await typeInto(page, page.getByRole('textbox', { name: 'Full name' }), 'Alan Turing');
    await typeInto(page, page.getByRole('textbox', { name: 'Email' }), 'alan@example.com');
    await typeInto(page, page.getByRole('textbox', { name: 'Address line 1' }), TEST_ADDRESS.line1);
    await typeInto(page, page.getByRole('textbox', { name: 'Postal code' }), TEST_ADDRESS.postalCode);
    await typeInto(page, page.getByRole('textbox', { name: 'City' }), TEST_ADDRESS.city);
    const country = page.getByRole('combobox', { name: 'Country' });
    await tabTo(page, country);
    await page.keyboard.type('Germany');
    expect(await country.inputValue()).toBe(TEST_ADDRESS.country);
    await tabTo(page, placeOrder);
    await page.keyboard.press('Enter');

    // The order page: Pay arrives live; the status is a live region that follows the order.
    const pay = page.getByRole('link', { name: 'Pay €45.00' });
    await pay.waitFor({ timeout: 30_000 });
    const status = page.getByRole('status').filter({ hasText: /^Status:/ });
    expect(await status.textContent()).toBe('Status: Awaiting payment');
    const orderUrl = page.url().split('#')[0]!;
    session.stack().paymentSandbox.holdWebhooks();
    try {
      await tabTo(page, pay);
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.origin === new URL(session.stack().urls.payments).origin);
      await page.getByRole('heading', { level: 1, name: 'Pay €45.00' }).waitFor();
      await typeInto(page, page.getByRole('textbox', { name: 'Card number' }), CARDS.approve);
      await typeInto(page, page.getByRole('textbox', { name: 'Expiry (MM/YY)' }), '12/34');
      await typeInto(page, page.getByRole('textbox', { name: 'CVC' }), '123');
      await tabTo(page, page.getByRole('button', { name: 'Pay', exact: true }));
      await page.keyboard.press('Space');
      await page.waitForURL((url) => url.href.split('#')[0] === orderUrl);
      await page.getByText('Live', { exact: true }).waitFor();
      expect(await status.textContent()).toBe('Status: Awaiting payment');
    } finally {
      await session.stack().paymentSandbox.releaseWebhooks();
    }
    // The provider's answer arrives live: the same region now says so.
    await expect.poll(() => status.textContent(), poll).toBe('Status: Confirmed');

    // Another order, cancelled from its page with the keyboard.
    const other = (await placeDirectly([{ productId: mat.id, quantity: 1 }], 'Alan Turing')).body;
    await page.goto(`${session.web()}/orders/${encodeURIComponent(other.id)}#token=${other.token}`);
    await page.getByRole('link', { name: 'Pay €9.00' }).waitFor({ timeout: 30_000 });
    const statusBefore = await status.textContent();
    await tabTo(page, page.getByRole('button', { name: 'Cancel order' }));
    await page.keyboard.press('Enter');
    const yes = page.getByRole('button', { name: 'Yes, cancel it' });
    // The asked question's answer has focus: the button pressed is gone.
    expect(await yes.evaluate((element) => element === document.activeElement)).toBe(true);
    expect(await focusIsVisible(page)).toBe(true);
    await shot(page, 'a11y-keyboard-cancel-focus');
    await page.keyboard.press('Space');
    await expect.poll(() => status.textContent(), poll).toBe('Status: Cancelled');
    expect(statusBefore).not.toBe('Status: Cancelled');

    expect(errors).toEqual([]);
    await page.close();
  });
});
