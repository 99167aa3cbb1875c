/**
 * End to end, in Debian's Chromium against the stack `npm start` runs, with inventory's Triggers
 * behind a fault proxy: inventory refuses an order's `order.placed` (a 400, which Knative does not
 * retry), so the event becomes a dead letter and the order stays pending. An admin finds it in the
 * Dead letters screen, the fault is fixed, the admin clicks Replay, and the order is held for
 * payment with its stock reserved once (a second replay changes nothing); the shopper pays and it is
 * confirmed; the event explorer shows the saga's events arriving live, and the order's page its
 * history. Screenshots go to .artifacts/screenshots.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Order } from '@stockflow/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, manifestsBehind, startFaultProxy } from '../chaos/proxy.ts';
import { payOrder } from '../system/shopper.ts';
import { startTestStack, type TestStack } from '../system/stack.ts';
import { type Browser, CHROMIUM, launchBrowser, shot, watchForErrors } from './browser.ts';
import { e2eClient, poll } from './client.ts';

describe.skipIf(!existsSync(CHROMIUM))('dead letters and replay in a browser', () => {
  let proxy: FaultProxy;
  let manifests: string;
  let stack: TestStack;
  let browser: Browser;
  let web: string;

  const { admin: api, placeDirectly, stockedProduct, signInAsAdmin } = e2eClient(() => stack);

  const level = async (productId: string) =>
    (await api<{ onHand: number; reserved: number; available: number }>(`/inventory/stock/${productId}`))
      .body;

  beforeAll(async () => {
    proxy = await startFaultProxy();
    manifests = await manifestsBehind({ inventory: proxy });
    stack = await startTestStack({ manifests });
    proxy.upstream = stack.urls.services.inventory!;
    if (!stack.urls.web) throw new Error('web is not running: run `npm run build` first');
    web = stack.urls.web;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await proxy?.close();
    if (manifests) await rm(manifests, { recursive: true, force: true });
  });

  it('an admin replays a refused order.placed once the fault is fixed, and the order is confirmed once paid', async () => {
    const shelf = await stockedProduct('Oak Shelf', 4500, 5);
    await expect.poll(async () => (await level(shelf.id)).available, poll).toBe(5);

    // Inventory refuses the next order.placed for good: Knative sends it to the ledger's dead letters.
    proxy.fault = { kind: 'refuse', type: 'io.stockflow.order.placed', count: 1 };
    const placed = await placeDirectly([{ productId: shelf.id, quantity: 2 }], 'Grace Hopper');
    expect(placed.status).toBe(202);
    const orderId = placed.body.id;
    await expect.poll(() => proxy.refusedIds.length, poll).toBe(1);
    const eventId = proxy.refusedIds[0]!;
    await expect
      .poll(
        async () => (await api<{ items: unknown[] }>('/ledger/dead-letters?status=dead')).body.items.length,
        poll,
      )
      .toBe(1);
    expect((await api<Order>(`/orders/${orderId}`)).body.status).toBe('pending');
    expect(await level(shelf.id)).toMatchObject({ onHand: 5, reserved: 0 });

    // The event explorer, following this order's events live in its own tab.
    const explorer = await browser.page();
    const explorerErrors = watchForErrors(explorer);
    await signInAsAdmin(explorer);
    await explorer.goto(`${web}/admin/events?subject=${encodeURIComponent(orderId)}`);
    const explorerTable = explorer.getByRole('table', { name: 'Recorded events' });
    await explorerTable.getByRole('cell', { name: 'order.placed', exact: true }).waitFor();
    await explorer.getByText('Live', { exact: true }).waitFor();

    // The dead letter, seen by the admin.
    const page = await browser.page();
    const pageErrors = watchForErrors(page);
    await signInAsAdmin(page); // the token is kept per tab
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const table = page.getByRole('table', { name: 'Dead letters' });
    const row = table.getByRole('row').filter({ hasText: eventId });
    await row.waitFor();
    await expect.poll(() => row.getByText('Dead', { exact: true }).count()).toBe(1);
    await expect.poll(() => row.getByText('400', { exact: true }).count()).toBe(1);
    await expect.poll(() => row.getByText(`${proxy.url}/events`).count()).toBe(1);
    await expect.poll(() => row.getByText('"title": "Bad Request"').count()).toBe(1);
    await row.locator('summary').click(); // opens the event
    await row.getByText(`"subject": "${orderId}"`).waitFor();
    await shot(page, '20-admin-dead-letters');

    // The fault is fixed; the admin replays the dead letter.
    proxy.cure();
    await row.getByRole('button', { name: `Replay order.placed ${eventId}` }).click();
    await page.getByText(`Replayed order.placed ${eventId}: it was sent to the broker again.`).waitFor();
    await expect.poll(() => row.getByText('Replayed', { exact: true }).count(), poll).toBe(1);
    await row.getByText(/^replayed once, last/).waitFor();
    await shot(page, '21-admin-dead-letter-replayed');

    // Applied: the order's stock is reserved, once, and the shopper pays; the order is confirmed.
    const order = async () => (await api<Order>(`/orders/${orderId}`)).body;
    await payOrder(stack, order);
    expect(await level(shelf.id)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    await expect.poll(async () => (await order()).status, poll).toBe('confirmed');

    // The explorer saw the saga go on, live.
    for (const type of ['stock.reserved', 'payment.requested', 'payment.authorized', 'order.confirmed']) {
      await explorerTable.getByRole('cell', { name: type, exact: true }).waitFor({ timeout: 30_000 });
    }
    await expect
      .poll(() => explorerTable.getByRole('cell', { name: 'order.placed', exact: true }).count())
      .toBe(1);
    await explorerTable.getByRole('button', { name: `Show event ${eventId}` }).click();
    await explorer.getByText(`"orderId": "${orderId}"`).first().waitFor();
    await shot(explorer, '22-admin-events-live');

    // A second replay reaches inventory again, whose deduplication makes it a no-op.
    const deliveries = proxy.counts.forwarded;
    await row.getByRole('button', { name: `Replay order.placed ${eventId}` }).click();
    await row.getByText(/^replayed 2 times, last/).waitFor({ timeout: 30_000 });
    await expect.poll(() => proxy.counts.forwarded, poll).toBeGreaterThan(deliveries);
    expect(await level(shelf.id)).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    expect((await api<Order>(`/orders/${orderId}`)).body.status).toBe('confirmed');

    // The order's page tells its story, oldest first; the event was recorded once however often it was replayed.
    await page.goto(`${web}/admin/orders/${encodeURIComponent(orderId)}`);
    const history = page.getByRole('table', { name: 'Events of this order' });
    await history.getByRole('cell', { name: 'order.confirmed', exact: true }).waitFor();
    const types = await history.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(types).toEqual([
      'order.placed',
      'stock.reserved',
      'order.awaiting-payment',
      'payment.requested',
      'payment.authorized',
      'order.confirmed',
    ]);
    await shot(page, '23-admin-order-events');

    await explorer.close(); // closes its live stream
    expect([...explorerErrors, ...pageErrors]).toEqual([]);
  });
});
