/**
 * End to end in Debian's Chromium: staff sign in through web and the dev issuer's page (the same
 * authorization-code flow as production), as a viewer, a clerk and a manager. The viewer sees the
 * admin screens without the controls a viewer may not use, and the API refuses them anyway; the
 * clerk sees the stock controls, the manager the catalog's. No token reaches a URL the SPA requests,
 * nor the page's storage or script-readable cookies. Screenshots go to .artifacts/screenshots
 * (staff-viewer, staff-viewer-board, staff-clerk-board, staff-manager).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../system/stack.ts';
import { type Browser, CHROMIUM, launchBrowser, shot, watchForErrors } from './browser.ts';
import { e2eClient } from './client.ts';

describe.skipIf(!existsSync(CHROMIUM))('staff sign-in and roles in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  const { stockedProduct, signInAs, openAdminScreen } = e2eClient(() => stack);

  beforeAll(async () => {
    stack = await startTestStack();
    if (!stack.urls.web) throw new Error('web is not running: run `npm run build` first');
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a viewer sees the admin screens without what a viewer may not do, and the API refuses it', async () => {
    await stockedProduct('Walnut Desk', 25_000, 3);
    const page = await browser.page();
    const errors = watchForErrors(page);
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    await signInAs(page, 'Vera Viewer');
    await openAdminScreen(page, 'Products');
    await page
      .getByRole('cell', { name: /Walnut Desk/ })
      .first()
      .waitFor();
    expect(await page.getByRole('link', { name: 'New product' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Archive / }).count()).toBe(0);
    await shot(page, 'staff-viewer');

    await page.getByRole('link', { name: 'Stock', exact: true }).click();
    await page.getByRole('heading', { name: 'Stock' }).waitFor();
    await page
      .getByRole('cell', { name: /Walnut Desk/ })
      .first()
      .waitFor();
    expect(await page.getByRole('button', { name: /^Adjust stock/ }).count()).toBe(0);

    // What the page hides, the API refuses: the same session, asked from the page itself.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/catalog/products', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'VIEWER-1', name: 'Not allowed', priceCents: 1, currency: 'EUR' }),
      });
      return res.status;
    });
    expect(status).toBe(403);

    // Nothing a script can read holds a credential: no readable cookie, no storage, no token in URLs.
    const readable = await page.evaluate(() => ({
      cookie: document.cookie,
      stored: localStorage.length + sessionStorage.length,
    }));
    expect(readable).toEqual({ cookie: '', stored: 0 });
    const webUrls = urls.filter((url) => url.startsWith(stack.urls.web!));
    expect(
      webUrls.filter(
        (url) => /[?&](token|access_token|id_token|code)=/.test(url) && !url.includes('/auth/callback'),
      ),
    ).toEqual([]);
    const cookies = await browser.context.cookies(stack.urls.web);
    expect(cookies.find((cookie) => cookie.name === 'stockflow_staff')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    expect(errors.filter((e) => !/403/.test(e))).toEqual([]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in' }).waitFor();
    expect((await browser.context.cookies(stack.urls.web)).some((c) => c.name === 'stockflow_staff')).toBe(
      false,
    );
    await page.close();
  });

  it('the stock board and transfers are read-only for a viewer, and a clerk gets their controls', async () => {
    await stockedProduct('Oak Shelf', 9_000, 4);
    const page = await browser.page();
    const errors = watchForErrors(page);
    const board = async () => {
      await page.getByRole('link', { name: 'Stock board', exact: true }).click();
      const table = page.getByRole('table', { name: 'Stock per location' });
      await table.getByRole('row', { name: /Oak Shelf/ }).waitFor();
      return table;
    };
    const transfers = async () => {
      await page.getByRole('link', { name: 'Transfers', exact: true }).click();
      await page.getByRole('heading', { name: 'Transfers' }).waitFor();
      await page.getByText('Nothing in transit').waitFor();
    };

    await signInAs(page, 'Vera Viewer');
    let table = await board();
    expect(await table.getByRole('columnheader', { name: 'Change' }).count()).toBe(0);
    expect(await table.getByRole('button').count()).toBe(0);
    await shot(page, 'staff-viewer-board');
    await transfers();
    expect(await page.getByRole('form', { name: 'Request a transfer' }).count()).toBe(0);
    // Hidden, and refused anyway: the role check comes before the body is read.
    const status = await page.evaluate(async () => {
      const res = await fetch('/api/inventory/transfers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: 'default', to: 'elsewhere', lines: [{ productId: 'x', quantity: 1 }] }),
      });
      return res.status;
    });
    expect(status).toBe(403);
    expect(errors.filter((e) => !/403/.test(e))).toEqual([]);

    await signInAs(page, 'Colin Clerk');
    table = await board();
    await table.getByRole('columnheader', { name: 'Change' }).waitFor();
    await table
      .getByRole('button', { name: /^Adjust Oak Shelf at / })
      .first()
      .waitFor();
    await table
      .getByRole('button', { name: /^Count Oak Shelf at / })
      .first()
      .waitFor();
    await shot(page, 'staff-clerk-board');
    await transfers();
    await page.getByRole('form', { name: 'Request a transfer' }).waitFor();
    await page.close();
  });

  it('a manager sees the catalog controls and who is signed in', async () => {
    const page = await browser.page();
    await signInAs(page, 'Maya Manager');
    await openAdminScreen(page, 'Products');
    await page.getByRole('link', { name: 'New product' }).waitFor();
    await page
      .getByRole('button', { name: /^Archive / })
      .first()
      .waitFor();
    expect(await page.getByText('Signed in as Maya Manager (manager)').count()).toBe(1);
    await shot(page, 'staff-manager');
    await page.getByRole('link', { name: 'Staff', exact: true }).click();
    await page.getByRole('combobox', { name: 'Role of Vera Viewer' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Role of Maya Manager' }).count()).toBe(0);
    await page.close();
  });
});
