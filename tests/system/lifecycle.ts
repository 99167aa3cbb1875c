/**
 * @module The order lifecycle's system tests in one place: a stack whose every output line is kept
 * (to prove that no card number, address or email reached a log), and a client that does through web
 * what shoppers and staff do — stock a product, place an order, pay, ship, deliver, return — and
 * reads what each function knows of it: the order, the stock and its movements, the payment record,
 * the ledger's events and the mail caught.
 */
import { randomUUID } from 'node:crypto';
import type { Customer, Movement, Order, PaymentView, PlacedOrder, Product } from '@stockflow/contracts';
import { expect, it } from 'vitest';
import type { CaughtMessage } from '../../packages/mesh/src/runner/mail-catcher.ts';
import type { StackOptions } from '../../packages/mesh/src/runner/stack.ts';
import { CARDS, shopper, TEST_ADDRESS } from './shopper.ts';
import { startTestStack, type TestStack } from './stack.ts';

export const poll = { timeout: 30_000, interval: 100 };
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stack whose output is kept whole (TestStack's `logs()` keeps only the last 400 lines). */
export interface LifecycleStack extends TestStack {
  /** Every line every process, the mesh and the runner wrote since the start. */
  allLogs(): string;
}

export async function startLifecycleStack(options: Partial<StackOptions> = {}): Promise<LifecycleStack> {
  const chunks: string[] = [];
  const live = Boolean(process.env.STACK_LOGS);
  const stack = await startTestStack({
    // Every line a process can write (debug), as it wrote it (json: no field shortened or dropped).
    logLevel: 'debug',
    logFormat: 'json',
    write(text) {
      if (live) process.stdout.write(text);
      chunks.push(text);
    },
    ...options,
  });
  return Object.assign(stack, { allLogs: () => chunks.join('') });
}

export interface LedgerEntry {
  id: string;
  event: { id: string; type: string; subject?: string; source: string; data?: Record<string, unknown> };
}

export interface Stock {
  onHand: number;
  reserved: number;
  available: number;
}

/** What shoppers and staff do through web, and what each function then says. */
export function lifecycleClient(stack: TestStack) {
  async function call<T>(
    path: string,
    init: { method?: string; body?: unknown; token?: string | null } = {},
  ): Promise<{ status: number; body: T }> {
    const token = init.token === undefined ? stack.adminToken : init.token;
    const res = await fetch(`${stack.urls.web}/api${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  const client = {
    call,

    /** A product in the catalog with `quantity` on hand at the default location, known to orders. */
    async stockedProduct(name: string, priceCents: number, quantity: number): Promise<Product> {
      const created = await call<Product>('/catalog/products', {
        method: 'POST',
        body: { sku: `LC-${randomUUID().slice(0, 8)}`.toUpperCase(), name, priceCents, currency: 'EUR' },
      });
      expect(created.status).toBe(201);
      const product = created.body;
      expect(
        await stack.publish({
          type: 'io.stockflow.goods.received',
          source: '/partners/warehouse',
          data: { productId: product.id, quantity, reference: `delivery-${randomUUID()}` },
        }),
      ).toBe(202);
      await expect.poll(async () => (await client.stock(product.id)).onHand, poll).toBe(quantity);
      return product;
    },

    /**
     * Places an order as a shopper (no staff token); resolves with the 202 answer (its token). Orders
     * refuses a product (422) until product.created reaches its projection: asked again until then.
     */
    async place(items: Array<{ productId: string; quantity: number }>, customer: Customer) {
      let placed: PlacedOrder | undefined;
      await expect
        .poll(async () => {
          const res = await call<PlacedOrder>('/orders', {
            method: 'POST',
            token: null,
            body: { items, customer },
          });
          if (res.status === 202) placed = res.body;
          return res.status;
        }, poll)
        .toBe(202);
      return placed!;
    },

    async order(orderId: string): Promise<Order> {
      const res = await call<Order>(`/orders/${orderId}`);
      expect(res.status).toBe(200);
      return res.body;
    },

    async stock(productId: string): Promise<Stock> {
      return (await call<Stock>(`/inventory/stock/${productId}`)).body;
    },

    async movements(productId: string): Promise<Movement[]> {
      const res = await call<{ items: Movement[] }>(`/inventory/movements?productId=${productId}&limit=500`);
      expect(res.status).toBe(200);
      return res.body.items;
    },

    async payment(orderId: string): Promise<PaymentView> {
      const res = await call<PaymentView>(`/payments/payments/${orderId}`);
      expect(res.status).toBe(200);
      return res.body;
    },

    /** The ledger's events about an order (`subject` = the order id), every page. */
    async events(orderId: string): Promise<LedgerEntry['event'][]> {
      const events: LedgerEntry['event'][] = [];
      let cursor: string | null = null;
      do {
        const query: string = `subject=${orderId}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await call<{ items: LedgerEntry[]; nextCursor: string | null }>(
          `/ledger/events?${query}`,
        );
        expect(res.status).toBe(200);
        events.push(...res.body.items.map((item) => item.event));
        cursor = res.body.nextCursor;
      } while (cursor);
      return events;
    },

    /** How many of each `io.stockflow.payment.*` event the ledger holds for the order. */
    async paymentEventCounts(orderId: string): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      for (const event of await client.events(orderId)) {
        const kind = /^io\.stockflow\.(payment\.[a-z-]+)$/.exec(event.type)?.[1];
        if (kind) counts[kind] = (counts[kind] ?? 0) + 1;
      }
      return counts;
    },

    /** The mail caught for `email`. */
    mailTo(email: string): CaughtMessage[] {
      return stack.mailCatcher.messages().filter((m) => m.envelope.to.includes(email));
    },

    /** The sandbox's record of the order's payment. */
    sandboxPayment(orderId: string) {
      return stack.paymentSandbox.payments().find((p) => p.reference === orderId);
    },

    /** Places an order and waits until its payment step is open (awaiting payment with a checkout URL). */
    async placeAwaitingPayment(items: Array<{ productId: string; quantity: number }>, customer: Customer) {
      const placed = await client.place(items, customer);
      await expect
        .poll(async () => {
          const order = await client.order(placed.id);
          return order.status === 'awaiting-payment' && Boolean(order.payment?.checkoutUrl);
        }, poll)
        .toBe(true);
      return { placed, order: await client.order(placed.id) };
    },

    /** Places an order, pays it with the approving card and waits until it is confirmed. */
    async placeConfirmed(items: Array<{ productId: string; quantity: number }>, customer: Customer) {
      const { placed, order } = await client.placeAwaitingPayment(items, customer);
      stack.paymentSandbox.pay(order.payment!.checkoutUrl!, CARDS.approve);
      await expect.poll(async () => (await client.order(placed.id)).status, poll).toBe('confirmed');
      return placed;
    },

    /** Ships an order whole and waits until payments captured it. */
    async shipAndCapture(orderId: string) {
      const shipped = await call<Order>(`/orders/${orderId}/ship`, { method: 'POST' });
      expect(shipped.status).toBe(200);
      expect(shipped.body.status).toBe('shipped');
      await expect.poll(async () => (await client.payment(orderId)).status, poll).toBe('captured');
    },
  };
  return client;
}

/** A shopper of its own (an email no other test uses), with the test address. */
export const newShopper = (name: string) =>
  shopper(name, `${name.toLowerCase().replace(/[^a-z]+/g, '-')}-${randomUUID().slice(0, 8)}@example.com`);

/**
 * What must never reach a log line: every test card's number (with or without its spaces), the
 * test address's first line, and any shopper's email (all at example.com).
 */
export function privateDataIn(logs: string): string[] {
  const found: string[] = [];
  for (const number of Object.values(CARDS)) {
    const digits = number.replace(/\s/g, '');
    if (logs.includes(number) || logs.includes(digits)) found.push(`card ${number}`);
  }
  if (logs.includes(TEST_ADDRESS.line1)) found.push('address line');
  const emails = logs.match(/[\w.+-]+@example\.com/g);
  if (emails) found.push(...new Set(emails.map((e) => `email ${e}`)));
  return found;
}

/**
 * The kept output is all of it: from the stack's first line (the mesh starts first) to the last, with
 * lines of every process the flows ran.
 */
export function expectWholeOutput(logs: string): void {
  expect(logs.split('\n', 1)[0]).toMatch(/^(stack|mesh)\s/);
  for (const name of ['mesh', 'web', 'orders', 'inventory', 'payments', 'notifications', 'ledger']) {
    expect(logs, `no line of ${name}`).toMatch(new RegExp(`^${name}\\s+│`, 'm'));
  }
}

/** The suite's last test: every line the stack wrote during its flows, read whole, holds no private data. */
export function itWritesNoPrivateData(stack: () => LifecycleStack): void {
  it('writes no card number, address line or email in any log line of any process', async () => {
    await sleep(500);
    const logs = stack().allLogs();
    expectWholeOutput(logs);
    expect(privateDataIn(logs)).toEqual([]);
  });
}
