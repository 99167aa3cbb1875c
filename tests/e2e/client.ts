/**
 * @module What the end-to-end tests do around the browser: call the API through web, place orders
 * straight at the orders function (with a deliverable address) and pay them on the provider's step,
 * stock products that orders can sell, and sign an admin in.
 * `stack` is a getter: the stack starts in the test file's `beforeAll`.
 */
import { randomUUID } from 'node:crypto';
import type { Order, PlacedOrder, Product } from '@stockflow/contracts';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { CARDS, payOrder, shopper } from '../system/shopper.ts';
import type { TestStack } from '../system/stack.ts';

export const poll = { timeout: 30_000, interval: 200 };

export function e2eClient(stack: () => TestStack) {
  const web = () => stack().urls.web!;

  async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
    const res = await fetch(`${web()}/api${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** `api` with the admin token. */
  const admin = <T>(path: string, init: { method?: string; body?: unknown } = {}) =>
    api<T>(path, { ...init, token: stack().adminToken });

  /**
   * Orders placed by the test itself (not through the browser) go to the orders function directly:
   * web limits order placing per client address, and every test request comes from 127.0.0.1.
   */
  async function placeDirectly(items: Array<{ productId: string; quantity: number }>, name: string) {
    const res = await fetch(stack().urls.services.orders!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items, customer: shopper(name, 'someone@example.com') }),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: (await res.json()) as PlacedOrder };
  }

  /** The order as its shopper reads it (with the order's token). */
  const readPlaced = (placed: PlacedOrder) => async () =>
    (await api<Order>(`/orders/${placed.id}`, { token: placed.token })).body;

  /**
   * Pays an order the test placed on the provider's step (the sandbox's in-process `pay`, what its
   * form does) with `card` once the step is open, and waits until the order is `until`.
   */
  async function payPlaced(placed: PlacedOrder, card: string = CARDS.approve, until = 'confirmed') {
    const read = readPlaced(placed);
    await payOrder(stack(), read, card);
    await expect.poll(async () => (await read()).status, poll).toBe(until);
  }

  /** Waits until orders' projection knows the product: a probe asking for more than exists is taken (and rejected). */
  async function orderable(productId: string) {
    const probe = () => placeDirectly([{ productId, quantity: 1_000_000 }], 'Probe');
    let taken: PlacedOrder | undefined;
    await expect
      .poll(async () => {
        const placed = await probe();
        if (placed.status === 202) taken = placed.body;
        return placed.status;
      }, poll)
      .toBe(202);
    // The probe's saga ends (rejected) before the caller goes on: a test that then watches or
    // faults the next order.placed must not meet the probe's, still on its way to inventory.
    await expect
      .poll(async () => (await admin<Order>(`/orders/${taken!.id}`)).body.status, poll)
      .not.toBe('pending');
  }

  /** A product in the catalog with stock on hand, known to orders (its events have arrived). */
  async function stockedProduct(
    name: string,
    priceCents: number,
    onHand: number,
    extra: Partial<Product> = {},
  ) {
    const created = await admin<Product>('/catalog/products', {
      method: 'POST',
      body: {
        sku: `${name}-${randomUUID().slice(0, 6)}`.toUpperCase().replace(/\s+/g, '-'),
        name,
        priceCents,
        currency: 'EUR',
        ...extra,
      },
    });
    expect(created.status).toBe(201);
    if (onHand) {
      const adjusted = await admin(`/inventory/stock/${created.body.id}/adjustments`, {
        method: 'POST',
        body: { delta: onHand, reason: 'opening stock' },
      });
      expect(adjusted.status).toBe(200);
    }
    await orderable(created.body.id);
    return created.body;
  }

  /** Signs in at /admin through the dev issuer's page as one of its seeded people. */
  async function signInAs(page: Page, person: string) {
    // A fresh browser session: the issuer would otherwise sign the last person in again unasked.
    await page.context().clearCookies();
    await page.goto(`${web()}/admin`);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: `Sign in as ${person}` }).click();
    await page.getByText(`Signed in as ${person}`).waitFor();
  }

  /** Opens an admin screen from the admin's navigation, and waits for its heading. */
  async function openAdminScreen(page: Page, screen: string) {
    await page
      .getByRole('navigation', { name: 'Management' })
      .getByRole('link', { name: screen, exact: true })
      .click();
    await page.getByRole('heading', { level: 1, name: screen }).waitFor();
  }

  /** Signs in as the seeded manager (who may do everything admin), then opens Products. */
  async function signInAsAdmin(page: Page) {
    await signInAs(page, 'Maya Manager');
    // Staff land on the overview.
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await openAdminScreen(page, 'Products');
  }

  return {
    api,
    admin,
    placeDirectly,
    readPlaced,
    payPlaced,
    orderable,
    stockedProduct,
    signInAs,
    signInAsAdmin,
    openAdminScreen,
  };
}
