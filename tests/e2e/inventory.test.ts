/**
 * End to end, in Debian's Chromium against the stack `npm start` runs: an inventory manager keeps
 * stock across locations. They add locations and reorder them, watch the stock board update live,
 * adjust stock at one location, move stock with a transfer (dispatched, in transit, received short
 * with a reason), read a product's movements and its on-hand chart, import a CSV of counts after
 * its preview, see what to reorder, and ship an order allocated across two locations one shipment
 * at a time. Screenshots of each screen go to .artifacts/screenshots.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Order, Product, StockLevel } from '@stockflow/contracts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payOrder } from '../system/shopper.ts';
import { startTestStack, type TestStack } from '../system/stack.ts';
import { type Browser, CHROMIUM, launchBrowser, shot, watchForErrors } from './browser.ts';
import { e2eClient, poll } from './client.ts';

describe.skipIf(!existsSync(CHROMIUM))('inventory across locations in a browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let web: string;
  let page: Page;
  let errors: string[];
  let files: string;

  const { admin, placeDirectly, stockedProduct, signInAsAdmin } = e2eClient(() => stack);

  const level = async (productId: string) => (await admin<StockLevel>(`/inventory/stock/${productId}`)).body;
  const at = async (productId: string, locationId: string) =>
    (await level(productId)).locations.find((l) => l.locationId === locationId);
  const adjustAt = async (productId: string, locationId: string, delta: number) =>
    expect(
      (
        await admin(`/inventory/stock/${productId}/adjustments`, {
          method: 'POST',
          body: { delta, reason: 'e2e setup', locationId },
        })
      ).status,
    ).toBe(200);
  const row = (name: string | RegExp) => page.getByRole('row').filter({ hasText: name });

  beforeAll(async () => {
    stack = await startTestStack();
    if (!stack.urls.web) throw new Error('web is not running: run `npm run build` first');
    web = stack.urls.web;
    browser = await launchBrowser();
    page = await browser.page();
    errors = watchForErrors(page);
    files = mkdtempSync(join(tmpdir(), 'stockflow-import-'));
    await signInAsAdmin(page);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('adds locations and edits one', async () => {
    await page.getByRole('link', { name: 'Locations' }).click();
    const form = page.getByRole('form', { name: 'New location' });
    for (const [id, name, priority] of [
      ['north', 'North warehouse', '10'],
      ['city', 'City shop', '20'],
    ] as const) {
      await form.getByLabel('Id').fill(id);
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Priority').fill(priority);
      await form.getByRole('button', { name: 'Add location' }).click();
      await page.getByText(`Added ${name}.`).waitFor();
    }
    await page.getByRole('button', { name: 'Edit City shop' }).click();
    const edit = page.getByRole('form', { name: 'Edit City shop' });
    await edit.getByLabel('Name').fill('High street shop');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('link', { name: 'High street shop' }).waitFor();
    const listed = await admin<{ items: Array<{ id: string; name: string; priority: number }> }>(
      '/inventory/locations',
    );
    expect(listed.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'north', name: 'North warehouse', priority: 10 }),
        expect.objectContaining({ id: 'city', name: 'High street shop', priority: 20 }),
      ]),
    );
    await shot(page, '30-admin-locations');
  });

  it('the stock board shows each location, updates live, and adjusts at one location', async () => {
    const kettle = await stockedProduct('Copper Kettle', 4900, 0);
    await adjustAt(kettle.id, 'north', 20);
    await adjustAt(kettle.id, 'city', 2);
    await page.getByRole('link', { name: 'Stock board' }).click();
    const city = row('High street shop').filter({ hasText: 'Copper Kettle' });
    await city.waitFor();
    await city.getByText('Low', { exact: true }).waitFor();

    // A change made elsewhere shows up without a reload.
    await adjustAt(kettle.id, 'north', 5);
    await row('North warehouse')
      .filter({ hasText: 'Copper Kettle' })
      .getByRole('cell', { name: '25' })
      .first()
      .waitFor({
        timeout: 15_000,
      });

    await city.getByRole('button', { name: 'Adjust Copper Kettle at High street shop' }).click();
    const adjust = page.getByRole('form', { name: 'Adjust Copper Kettle at High street shop' });
    await adjust.getByLabel('Change').fill('6');
    await adjust.getByLabel('Reason').fill('Delivery from supplier');
    await adjust.getByRole('button', { name: 'Adjust' }).click();
    await adjust.getByText('Added 6. On hand now 8.').waitFor();
    expect(await at(kettle.id, 'city')).toMatchObject({ onHand: 8 });
    expect(await at(kettle.id, 'north')).toMatchObject({ onHand: 25 });
    const north = row('North warehouse').filter({ hasText: 'Copper Kettle' });
    await north.getByRole('button', { name: 'Count Copper Kettle at North warehouse' }).click();
    const count = page.getByRole('form', { name: 'Count Copper Kettle at North warehouse' });
    await count.getByLabel('Counted').fill('24');
    await count.getByLabel('Note').fill('Monthly count');
    await count.getByRole('button', { name: 'Record count' }).click();
    await count.getByText('Count of 24 recorded.').waitFor();
    expect(await at(kettle.id, 'north')).toMatchObject({ onHand: 24 });
    await page.getByRole('combobox', { name: 'Location' }).selectOption({ label: 'North warehouse' });
    await expect.poll(() => page.getByRole('row').filter({ hasText: 'High street shop' }).count()).toBe(0);
    await page.getByRole('combobox', { name: 'Location' }).selectOption({ label: 'All locations' });
    // The export downloads with the admin token (a plain link could not send it).
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export stock.csv' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('stock.csv');
    const exported = readFileSync((await download.path())!, 'utf8');
    expect(exported.split(/\r?\n/)[0]).toBe(
      'productId,locationId,onHand,reserved,available,inTransit,lowStockThreshold',
    );
    expect(exported).toContain(`${kettle.id},north,24,0,24,0,`);
    await shot(page, '31-admin-stock-board');
    const phone = await browser.page({ width: 390, height: 844 });
    await signInAsAdmin(phone); // the token is kept per tab
    await phone.goto(`${web}/admin/board`);
    await phone
      .getByRole('table', { name: 'Stock per location' })
      .getByText('Copper Kettle')
      .first()
      .waitFor();
    await shot(phone, '43-admin-stock-board-phone');
    await phone.close();
  });

  it('moves stock with a transfer: requested, in transit, received short with a reason', async () => {
    const lamp = await stockedProduct('Brass Lamp', 6900, 0);
    await adjustAt(lamp.id, 'north', 12);
    await page.getByRole('link', { name: 'Transfers' }).click();
    const form = page.getByRole('form', { name: 'Request a transfer' });
    await form.getByLabel('Product').selectOption({ label: 'Brass Lamp' });
    await form.getByLabel('From').selectOption({ label: 'North warehouse' });
    await form.getByLabel('To').selectOption({ label: 'High street shop' });
    await form.getByLabel('Quantity').fill('5');
    await form.getByRole('button', { name: 'Request transfer' }).click();
    await page.getByText('Requested 5 units. Dispatch it when it leaves.').waitFor();
    const transfer = row('Brass Lamp × 5');
    await transfer.getByText('Requested', { exact: true }).waitFor();
    await transfer.getByRole('button', { name: /^Dispatch Brass Lamp/ }).click();
    await transfer.getByText('In transit', { exact: true }).waitFor();
    await page.getByText('In transit: 5 units in 1 transfer').waitFor();
    await expect.poll(async () => (await at(lamp.id, 'city'))?.inTransit, poll).toBe(5);
    expect(await at(lamp.id, 'north')).toMatchObject({ onHand: 7 });
    await shot(page, '32-admin-transfer-in-transit');

    // The board shows it in transit, in words.
    await page.goto(`${web}/admin/board?transit=true`);
    await row('Brass Lamp').getByText('5 in transit').waitFor();
    await shot(page, '33-admin-stock-board-in-transit');

    await page.getByRole('link', { name: 'Transfers' }).click();
    await transfer.getByRole('button', { name: /^Receive Brass Lamp/ }).click();
    const receive = page.getByRole('form', { name: /^Receive Brass Lamp/ });
    await receive.getByLabel('Received of Brass Lamp').fill('4');
    await receive.getByRole('button', { name: 'Confirm receipt' }).click();
    await receive.getByText('Say why what arrived differs from what was sent.').waitFor();
    await shot(page, '42-admin-transfer-receive-short');
    await receive.getByLabel('Reason for the difference').fill('One arrived broken');
    await receive.getByRole('button', { name: 'Confirm receipt' }).click();
    await transfer.getByText('Received', { exact: true }).waitFor();
    await transfer.getByText('Received 4 of 5 Brass Lamp: One arrived broken').waitFor();
    await page.getByText('Nothing in transit').waitFor();
    await expect.poll(async () => (await at(lamp.id, 'city'))?.onHand, poll).toBe(4);
    expect(await at(lamp.id, 'city')).toMatchObject({ inTransit: 0 });
    await shot(page, '34-admin-transfer-received');

    // A requested transfer can be cancelled.
    await form.getByLabel('Product').selectOption({ label: 'Brass Lamp' });
    await form.getByLabel('From').selectOption({ label: 'North warehouse' });
    await form.getByLabel('To').selectOption({ label: 'High street shop' });
    await form.getByLabel('Quantity').fill('2');
    await form.getByRole('button', { name: 'Request transfer' }).click();
    const second = row('Brass Lamp × 2');
    await second.getByRole('button', { name: /^Cancel Brass Lamp/ }).click();
    await second.getByText('Cancelled', { exact: true }).waitFor();
    expect(await at(lamp.id, 'north')).toMatchObject({ onHand: 7 });

    // Its movements: what arrived, what left, what came in, with a chart per location.
    await page.goto(`${web}/admin/movements/${encodeURIComponent(lamp.id)}`);
    const history = page.getByRole('table', { name: 'Movements of Brass Lamp, newest first' });
    await history.waitFor();
    await expect
      .poll(async () => (await history.locator('tbody tr td:nth-child(4)').allTextContents()).slice(0, 3))
      .toEqual(['+4', '-5', '+12']);
    await page.getByRole('img', { name: /On hand of Brass Lamp per location/ }).waitFor();
    await page.getByText('High street shop: 4 on hand now').waitFor();
    await page.getByText('North warehouse: 7 on hand now').waitFor();
    await shot(page, '35-admin-movements');
  });

  it('imports counts from a CSV after a preview with every row and error', async () => {
    const tray = await stockedProduct('Oak Tray', 2900, 0);
    await adjustAt(tray.id, 'north', 10);
    const bad = join(files, 'counts-bad.csv');
    writeFileSync(
      bad,
      `productId,locationId,counted\n${tray.id},north,8\n${tray.id},nowhere,3\n${tray.id},city,many\n`,
    );
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByLabel('CSV file').setInputFiles(bad);
    await page.getByRole('button', { name: 'Preview changes' }).click();
    await page.getByRole('heading', { name: 'Preview of counts-bad.csv' }).waitFor();
    const errorsTable = page.getByRole('table', { name: 'Rows with errors' });
    await expect.poll(() => errorsTable.locator('tbody th').allTextContents()).toEqual(['3', '4']);
    expect(await page.getByRole('button', { name: /^Apply/ }).isDisabled()).toBe(true);
    await shot(page, '36-admin-import-errors');

    const good = join(files, 'counts.csv');
    writeFileSync(good, `productId,locationId,counted\n${tray.id},north,8\n${tray.id},city,3\n`);
    await page.getByLabel('CSV file').setInputFiles(good);
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const rows = page.getByRole('table', { name: 'Rows and what they change' });
    await expect.poll(() => rows.locator('tbody tr td:last-child').allTextContents()).toEqual(['-2', '+3']);
    expect(await at(tray.id, 'north')).toMatchObject({ onHand: 10 });
    await shot(page, '37-admin-import-preview');
    await page.getByRole('button', { name: 'Apply 2 rows' }).click();
    await page.getByRole('heading', { name: 'Applied counts.csv' }).waitFor();
    await expect.poll(async () => (await at(tray.id, 'north'))?.onHand, poll).toBe(8);
    expect(await at(tray.id, 'city')).toMatchObject({ onHand: 3 });
    await shot(page, '38-admin-import-applied');
  });

  it('imports products from a CSV: an update and a create, after their preview', async () => {
    const bowl = await stockedProduct('Clay Bowl', 1500, 0);
    const newSku = `LINEN-${Date.now().toString(36).toUpperCase()}`;
    const file = join(files, 'products.csv');
    writeFileSync(
      file,
      `sku,name,priceCents,currency,category\n${bowl.sku},Clay Bowl,1700,EUR,Kitchen\n${newSku},Linen Cloth,800,EUR,Kitchen\n`,
    );
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByRole('radio', { name: 'Products' }).check();
    await page.getByRole('heading', { name: 'Import products' }).waitFor();
    await page.getByLabel('CSV file').setInputFiles(file);
    await page.getByRole('button', { name: 'Preview changes' }).click();
    const rows = page.getByRole('table', { name: 'Rows and what they change' });
    await expect
      .poll(() => rows.locator('tbody tr td:nth-child(3)').allTextContents())
      .toEqual(['update', 'create']);
    expect(await rows.locator('tbody tr').first().textContent()).toContain('priceCents: 1500 → 1700');
    await shot(page, '38b-admin-import-products-preview');
    await page.getByRole('button', { name: 'Apply 2 rows' }).click();
    await page.getByRole('heading', { name: 'Applied products.csv' }).waitFor();
    expect((await admin<Product>(`/catalog/products/${bowl.id}`)).body).toMatchObject({
      priceCents: 1700,
      category: 'Kitchen',
      version: 2,
    });
    const found = await admin<{ items: Product[] }>(`/catalog/products?q=${newSku}`);
    expect(found.body.items).toMatchObject([{ sku: newSku, name: 'Linen Cloth', priceCents: 800 }]);
    await shot(page, '38c-admin-import-products-applied');
  });

  it('lists what to reorder, counting what is in transit', async () => {
    const jar = await stockedProduct('Glass Jar', 900, 0);
    await adjustAt(jar.id, 'north', 1);
    await page.getByRole('link', { name: 'Reorder' }).click();
    const table = page.getByRole('table', { name: 'Products to reorder' });
    await table.getByRole('link', { name: 'Glass Jar' }).waitFor();
    await shot(page, '39-admin-reorder');
  });

  it('ships an order allocated across two locations one shipment at a time', async () => {
    const vase = await stockedProduct('Stone Vase', 3500, 0);
    await adjustAt(vase.id, 'north', 2);
    await adjustAt(vase.id, 'city', 2);
    const placed = await placeDirectly([{ productId: vase.id, quantity: 3 }], 'Grace Hopper');
    expect(placed.status).toBe(202);
    const orderId = placed.body.id;
    const order = async () => (await admin<Order>(`/orders/${orderId}`)).body;
    // Reserved across both locations, the order is paid, so staff may ship it.
    expect((await payOrder(stack, order)).shipments).toHaveLength(2);
    await expect.poll(async () => (await order()).status, poll).toBe('confirmed');
    await page.goto(`${web}/admin/orders/${encodeURIComponent(orderId)}`);
    const shipments = page.getByRole('region', { name: 'Shipments' });
    await shipments.getByRole('heading', { name: 'From North warehouse' }).waitFor();
    await shipments.getByRole('heading', { name: 'From High street shop' }).waitFor();
    await shot(page, '40-admin-order-shipments');
    await shipments.getByRole('button', { name: 'Ship from North warehouse' }).click();
    await page.locator('.page-head .badge').getByText('Partially shipped').waitFor();
    await shipments.getByRole('button', { name: 'Ship from High street shop' }).click();
    await page.locator('.page-head .badge').getByText('Shipped', { exact: true }).waitFor();
    await expect
      .poll(async () => (await admin<Order>(`/orders/${orderId}`)).body.status, poll)
      .toBe('shipped');
    await expect.poll(async () => (await level(vase.id)).onHand, poll).toBe(1);
    await shot(page, '41-admin-order-shipped');
    expect(errors).toEqual([]);
  });
});
