/**
 * @module The shop to WCAG 2.2 A/AA in Debian's Chromium (issue 18): every shopper screen in its
 * main states passes axe-core with no serious or critical violation, and a shopper with the
 * keyboard alone searches, adds to the cart, checks out, pays on the provider's page and cancels,
 * seeing where focus is and hearing what changed.
 */
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CARDS } from '../system/shopper.ts';
import { expectAccessible } from './axe.ts';
import { CHROMIUM, watchForErrors } from './browser.ts';
import { e2eClient } from './client.ts';
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

    await page.getByRole('link', { name: 'Pay €39.00' }).click();
    await page.waitForURL((url) => url.origin === new URL(session.stack().urls.payments).origin);
    await page.getByRole('heading', { level: 1, name: 'Pay €39.00' }).waitFor();
    await expectAccessible(page, "payment provider's hosted page");
    await page.getByRole('button', { name: 'Pay', exact: true }).click();
    await page.getByRole('alert').first().waitFor();
    await expectAccessible(page, "payment provider's hosted page, field errors");

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
    await returns.getByRole('spinbutton', { name: 'Reading Lamp: how many to return' }).fill('3');
    await returns.getByText('You can return at most 1.').waitFor();
    await expectAccessible(page, 'order, return form with an error');

    // What the test provoked on purpose: the aborted catalog request, the provider's 422 to an empty form.
    const provoked = /net::ERR_FAILED|status of 422/;
    expect(errors.filter((error) => !provoked.test(error))).toEqual([]);
    await page.close();
  });
});
