/**
 * Accessibility of every admin screen in Debian's Chromium, on one stack: axe-core's WCAG 2.2 A and
 * AA rules with no serious or critical violation, each screen empty, loaded and failing (a viewer's
 * 403, a stopped function), with its forms and chart tables open. Then the keyboard alone: a clerk
 * adjusts stock and ships an order with Tab, Enter, Space and Escape, sees where focus is, and hears
 * refused input. Screenshots go to .artifacts/screenshots (a11y-admin-*).
 */
import { existsSync } from 'node:fs';
import type { Order, PlacedOrder } from '@stockflow/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../system/stack.ts';
import { expectAccessible } from './axe.ts';
import { type Browser, CHROMIUM, launchBrowser, shot } from './browser.ts';
import { e2eClient, poll } from './client.ts';

describe.skipIf(!existsSync(CHROMIUM))('every admin screen is accessible', () => {
  let stack: TestStack;
  let browser: Browser;
  const client = e2eClient(() => stack);
  const { admin, signInAs, stockedProduct } = client;

  beforeAll(async () => {
    stack = await startTestStack();
    if (!stack.urls.web) throw new Error('web is not running: run `npm run build` first');
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Opens an admin path in the signed-in tab and waits for its heading and for loading to end. */
  async function visit(page: Page, path: string, heading: string | RegExp) {
    await page.goto(`${stack.urls.web}/admin${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await settled(page);
  }

  async function settled(page: Page) {
    await expect.poll(() => page.locator('.state-loading').count(), poll).toBe(0);
  }

  /** The screens every state is checked on: path and the heading that says it arrived. */
  const SCREENS: Array<[string, string, string | RegExp]> = [
    ['overview', '', 'Overview'],
    ['products', '/products', 'Products'],
    ['product-new', '/products/new', 'New product'],
    ['stock', '/stock', 'Stock'],
    ['board', '/board', 'Stock board'],
    ['locations', '/locations', 'Locations'],
    ['transfers', '/transfers', 'Transfers'],
    ['import', '/import', /^Import /],
    ['reorder', '/reorder', 'Reorder'],
    ['orders', '/orders', 'Orders'],
    ['returns', '/returns', 'Returns'],
    ['events', '/events', 'Events'],
    ['dead-letters', '/dead-letters', 'Dead letters'],
    ['staff', '/staff', 'Staff'],
  ];

  it('the sign-in and every screen empty pass axe', async () => {
    const page = await browser.page();
    await page.context().clearCookies();
    await page.goto(`${stack.urls.web}/admin`);
    await page.getByRole('heading', { level: 1, name: 'Manage the shop' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page
      .getByRole('button', { name: /^Sign in as / })
      .first()
      .waitFor();
    await expectAccessible(page, "the dev issuer's sign-in page");
    await signInAs(page, 'Maya Manager');
    for (const [name, path, heading] of SCREENS) {
      await visit(page, path, heading);
      await expectAccessible(page, `${name} (empty)`);
    }
    await page.close();
  });

  it('every screen loaded, with its forms, dialogs and chart tables open, passes axe', async () => {
    const desk = await stockedProduct('Walnut Desk', 25_000, 40);
    const lamp = await stockedProduct('Brass Lamp', 4_000, 3);
    const confirmed = await confirmedOrder([{ productId: desk.id, quantity: 1 }], 'Ada Lovelace');
    const returned = await confirmedOrder([{ productId: lamp.id, quantity: 1 }], 'Grace Hopper');
    expect((await admin(`/orders/${returned.id}/ship`, { method: 'POST' })).status).toBe(200);
    expect((await admin(`/orders/${returned.id}/deliver`, { method: 'POST' })).status).toBe(200);
    const requested = await client.api<Order>(`/orders/${returned.id}/returns`, {
      method: 'POST',
      token: returned.token,
      body: { items: [{ productId: lamp.id, quantity: 1 }], reason: 'not as pictured' },
    });
    expect(requested.status).toBe(201);

    const page = await browser.page();
    await signInAs(page, 'Maya Manager');
    for (const [name, path, heading] of SCREENS) {
      await visit(page, path, heading);
      await expectAccessible(page, `${name} (loaded)`);
    }

    // The overview's charts: each has a table behind a disclosure, reachable and named.
    await visit(page, '', 'Overview');
    const summaries = page.locator('details.chart-table > summary');
    await expect.poll(() => summaries.count(), poll).toBeGreaterThan(0);
    for (const summary of await summaries.all()) await summary.click();
    for (const table of await page.locator('details.chart-table table').all()) {
      expect(await table.isVisible()).toBe(true);
      expect(await table.evaluate((t) => (t as HTMLTableElement).caption?.textContent?.trim())).toBeTruthy();
    }
    await shot(page, 'a11y-admin-overview');
    await expectAccessible(page, 'overview with its chart tables open');

    await visit(page, `/products/${desk.id}`, 'Walnut Desk');
    await expectAccessible(page, 'product editor (editing)');
    await visit(page, `/movements/${desk.id}`, /^Movements of /);
    await expectAccessible(page, 'movements');

    await visit(page, '/stock', 'Stock');
    await page
      .getByRole('button', { name: /^Adjust stock of Walnut Desk/ })
      .first()
      .click();
    await page
      .getByRole('form', { name: /^Adjust stock of Walnut Desk/ })
      .getByRole('button', { name: 'Adjust', exact: true })
      .click();
    await page.locator('.field-error').first().waitFor();
    await shot(page, 'a11y-admin-stock');
    await expectAccessible(page, 'stock with the adjuster open and its errors shown');

    await visit(page, '/board', 'Stock board');
    await page
      .getByRole('button', { name: /^Count Walnut Desk at / })
      .first()
      .click();
    await expectAccessible(page, 'stock board with the count form open');

    await visit(page, '/import', /^Import /);
    await page.locator('textarea, input[type=file]').first().waitFor();
    await expectAccessible(page, 'import');

    await visit(page, `/orders/${confirmed.id}`, /./);
    await page.getByRole('heading', { name: 'Shipments' }).waitFor();
    await shot(page, 'a11y-admin-order');
    await expectAccessible(page, 'order detail (confirmed, with shipments and payment)');

    await visit(page, `/orders/${returned.id}`, /./);
    await page.getByRole('heading', { name: /^Returns/ }).waitFor();
    await expectAccessible(page, 'order detail (a return requested: receive)');
    await page
      .getByRole('button', { name: /^Receive/ })
      .first()
      .click();
    await page.getByRole('form', { name: /^Inspect return / }).waitFor();
    await expectAccessible(page, 'order detail (a return received: inspect)');
    await page.close();
  });

  it('a clerk adjusts stock and ships an order with the keyboard alone, seeing where focus is', async () => {
    const chair = await stockedProduct('Rocking Chair', 12_000, 10);
    const order = await confirmedOrder([{ productId: chair.id, quantity: 1 }], 'Alan Turing');
    const page = await browser.page();
    await signInAs(page, 'Colin Clerk');
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return {
          tag: el?.tagName.toLowerCase() ?? '',
          name: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim(),
          href: el?.getAttribute('href') ?? '',
          label: el?.id ? (document.querySelector(`label[for="${el.id}"]`)?.textContent ?? '') : '',
        };
      });
    /** Whether the focused element shows it: an outline or a box-shadow in its computed style. */
    const focusVisible = () =>
      page.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return (
          (style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0) ||
          style.boxShadow !== 'none'
        );
      });
    /** Presses Tab (Shift+Tab with `back`) until `wanted` holds, checking each stop shows its focus. */
    async function tabTo(wanted: (el: Awaited<ReturnType<typeof focused>>) => boolean, back = false) {
      for (let i = 0; i < 150; i++) {
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        const el = await focused();
        if (el.tag !== 'body')
          expect(await focusVisible(), `focus visible on ${el.tag} ${el.name}`).toBe(true);
        if (wanted(el)) return;
      }
      throw new Error('never reached by Tab');
    }
    const headingFocused = async (name: string | RegExp) =>
      expect
        .poll(async () => {
          const el = await focused();
          return el.tag === 'h1' && (typeof name === 'string' ? el.name === name : name.test(el.name));
        }, poll)
        .toBe(true);

    // To the stock screen by its link: focus lands on the screen's heading, and shows.
    await tabTo((el) => el.href === '/admin/stock');
    await page.keyboard.press('Enter');
    await headingFocused('Stock');
    expect(await focusVisible()).toBe(true);
    await page
      .getByRole('cell', { name: /Rocking Chair/ })
      .first()
      .waitFor();

    // Space opens the adjuster with focus in it; Escape closes it and returns focus to its button.
    await tabTo((el) => el.name.startsWith('Adjust stock of Rocking Chair'));
    await page.keyboard.press('Space');
    expect((await focused()).label).toBe('Change');
    await page.keyboard.press('Escape');
    expect(await page.getByRole('form', { name: /^Adjust stock of Rocking Chair/ }).count()).toBe(0);
    expect((await focused()).name).toMatch(/^Adjust stock of Rocking Chair/);
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: /^Adjust stock of Rocking Chair/ });
    await form.waitFor();

    // Sent empty: focus goes to the first wrong field, whose error is its description (read out).
    await tabTo((el) => el.label === 'Reason');
    await page.keyboard.press('Enter');
    const change = form.getByRole('textbox', { name: 'Change' });
    await expect.poll(() => change.getAttribute('aria-invalid'), poll).toBe('true');
    expect(await change.evaluate((el) => el === document.activeElement)).toBe(true);
    const described = await change.evaluate((el) =>
      (el.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id)?.textContent)
        .join(' '),
    );
    expect(described).toContain('Enter a whole number');
    await page.keyboard.type('5');
    await tabTo((el) => el.label === 'Reason');
    await page.keyboard.type('delivery from the workshop');
    await page.keyboard.press('Enter');
    await form.getByRole('status').filter({ hasText: 'Added 5. On hand now 15.' }).waitFor();
    await shot(page, 'a11y-admin-keyboard-stock');

    // To the order by the nav and the list, and ship it: the new status is announced and focused.
    await tabTo((el) => el.href === '/admin/orders', true);
    await page.keyboard.press('Enter');
    await headingFocused('Orders');
    await tabTo((el) => el.href === `/admin/orders/${order.id}`);
    await page.keyboard.press('Enter');
    await headingFocused(/^Order /);
    await tabTo((el) => el.name === 'Mark as shipped');
    await page.keyboard.press('Enter');
    const status = page.getByRole('status').filter({ hasText: 'Shipped' }).first();
    await status.waitFor();
    expect(
      await status.evaluate((el) => el === document.activeElement || el.contains(document.activeElement)),
    ).toBe(true);
    expect(await focusVisible()).toBe(true);
    await expect
      .poll(async () => (await admin<Order>(`/orders/${order.id}`)).body.status, poll)
      .toBe('shipped');
    await shot(page, 'a11y-admin-keyboard-order');
    await page.close();
  });

  it('a viewer meets refusals and a stopped function an error state that passes axe', async () => {
    const page = await browser.page();
    await signInAs(page, 'Vera Viewer');
    for (const [name, path, heading] of [SCREENS[12]!, SCREENS[13]!]) {
      await visit(page, path, heading);
      await expectAccessible(page, `${name} as a viewer`);
    }
    await signInAs(page, 'Maya Manager');
    await stack.kill('orders');
    await stack.kill('inventory');
    for (const [name, path] of SCREENS.filter(([n]) =>
      ['overview', 'stock', 'board', 'locations', 'transfers', 'orders', 'returns'].includes(n),
    )) {
      // A screen whose data failed may show only the error notice in place of itself.
      await page.goto(`${stack.urls.web}/admin${path}`);
      await page.locator('.state-error, .live-reconnecting').first().waitFor(poll);
      await settled(page);
      await expectAccessible(page, `${name} (a function stopped)`);
    }
    await shot(page, 'a11y-admin-error');
    await page.close();
  });

  /** Places an order and pays it on the provider's step until it is confirmed. */
  async function confirmedOrder(items: Array<{ productId: string; quantity: number }>, name: string) {
    const placed = await client.placeDirectly(items, name);
    expect(placed.status).toBe(202);
    await client.payPlaced(placed.body as PlacedOrder);
    return placed.body as PlacedOrder;
  }
});
