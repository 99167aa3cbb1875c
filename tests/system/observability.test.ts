/**
 * Observability through the whole stack that `npm start` runs: each function's `/metrics` (scraped
 * directly, as Prometheus does; web refuses to forward it) counts the requests, the events by type and
 * outcome and the outbox's publishes of one order; the order's trace, exported by every function over
 * OTLP to a stand-in collector, runs from web's `POST /api/orders` through order.placed, inventory's
 * reservation and stock.reserved to orders' hold, order.awaiting-payment in payments and the payment
 * step back in orders (and the ledger's records); the provider's webhook starts the confirmation's
 * trace, from web through payments' payment.authorized to order.confirmed in orders; and every
 * function's log lines for the order carry its trace in Cloud Logging's field.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Order, PlacedOrder, Product } from '@stockflow/contracts';
import { type CollectedSpan, type OtlpCollector, SpanKind, startOtlpCollector } from '@stockflow/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../packages/mesh/src/runner/stack.ts';
import { payOrder, shopper } from './shopper.ts';
import { startTestStack, type TestStack } from './stack.ts';

const FUNCTIONS = ['catalog', 'inventory', 'orders', 'ledger', 'payments', 'web'] as const;
type FunctionName = (typeof FUNCTIONS)[number];

const declared = FUNCTIONS.every((name) => existsSync(join(REPO_ROOT, 'knative/base', `${name}.yaml`)));
const poll = { timeout: 30_000, interval: 100 };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text exposition format, the samples of it (comments and blank lines skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`. */
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

type Scrape = Record<FunctionName, Sample[]>;

/** Polls `read` until it gives `expected`, within bounds (setup, where expect.poll is not allowed). */
async function until<T>(what: string, read: () => Promise<T>, expected: T): Promise<void> {
  const deadline = Date.now() + poll.timeout;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (last === expected) return;
    await new Promise((resolve) => setTimeout(resolve, poll.interval));
  }
  throw new Error(
    `${what}: ${JSON.stringify(last)} after ${poll.timeout} ms, not ${JSON.stringify(expected)}`,
  );
}

describe.skipIf(!declared)('metrics, traces and logs of one order through the whole stack', () => {
  let collector: OtlpCollector;
  let stack: TestStack;
  /** Every process's output, one line each, JSON as the functions wrote it. */
  const output: string[] = [];
  const projectId = `stockflow-observability-${randomUUID().slice(0, 8)}`;
  /** The caller's span: the trace the order's POST carries into web. */
  const traceId = randomBytes(16).toString('hex');
  const callerSpanId = randomBytes(8).toString('hex');

  let atStart: Scrape;
  let beforeOrder: Scrape;
  let product: Product;
  let order: PlacedOrder;

  async function scrape(name: FunctionName): Promise<Sample[]> {
    const res = await fetch(`${stack.urls.services[name]}/metrics`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  }

  const scrapeAll = async (): Promise<Scrape> =>
    Object.fromEntries(await Promise.all(FUNCTIONS.map(async (n) => [n, await scrape(n)]))) as Scrape;

  /** How much a counter grew since `since`, read from a fresh scrape. */
  const growth = async (since: Scrape, fn: FunctionName, name: string, labels: Record<string, string> = {}) =>
    total(await scrape(fn), name, labels) - total(since[fn], name, labels);

  /** A call through web's /api/<function>, as the SPA makes it. */
  async function api<T>(path: string, init: RequestInit & { admin?: boolean } = {}) {
    const headers = new Headers(init.headers);
    if (init.admin) headers.set('authorization', `Bearer ${stack.adminToken}`);
    if (init.body) headers.set('content-type', 'application/json');
    const res = await fetch(`${stack.urls.web}/api${path}`, {
      ...init,
      headers,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  beforeAll(async () => {
    collector = await startOtlpCollector();
    stack = await startTestStack({
      projectId,
      logFormat: 'json',
      // Every function exports its spans to the collector, and logs each request and event (debug).
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, LOG_LEVEL: 'debug' },
      write(text) {
        output.push(text);
      },
    });
    atStart = await scrapeAll();

    const created = await api<Product>('/catalog/products', {
      method: 'POST',
      admin: true,
      body: JSON.stringify({
        sku: `OBS-${randomUUID().slice(0, 8)}`.toUpperCase(),
        name: 'Traced teapot',
        priceCents: 1_250,
        currency: 'EUR',
      }),
    });
    expect(created.status).toBe(201);
    product = created.body;
    // A delivery from the warehouse, sent twice as an at-least-once sender would.
    const delivery = {
      type: 'io.stockflow.goods.received',
      source: '/partners/warehouse',
      id: randomUUID(),
      subject: product.id,
      data: { productId: product.id, quantity: 5, reference: 'observability' },
    };
    expect(await stack.publish(delivery)).toBe(202);
    expect(await stack.publish(delivery)).toBe(202);
    await until(
      'stock on hand',
      async () =>
        (await api<{ onHand: number }>(`/inventory/stock/${product.id}`, { admin: true })).body?.onHand,
      5,
    );
    // Orders knows the product once its projection applied product.created: its own counter says so.
    await until(
      "product.created applied by orders' projection",
      () =>
        growth(atStart, 'orders', 'stockflow_events_handled_total', {
          type: 'io.stockflow.product.created',
          outcome: 'applied',
        }),
      1,
    );

    beforeOrder = await scrapeAll();
    const placed = await api<PlacedOrder>('/orders', {
      method: 'POST',
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
      body: JSON.stringify({
        items: [{ productId: product.id, quantity: 2 }],
        customer: shopper('Ada Lovelace', 'ada@example.com'),
      }),
    });
    expect(placed.status).toBe(202);
    order = placed.body;
    await payOrder(stack, async () => (await api<Order>(`/orders/${order.id}`, { admin: true })).body);
    await until(
      'the order confirmed',
      async () => (await api<Order>(`/orders/${order.id}`, { admin: true })).body.status,
      'confirmed',
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await collector?.close();
  });

  it("counts the product's request and its event in catalog, the delivery and its duplicate in inventory", async () => {
    const since = atStart;
    expect(
      await growth(since, 'catalog', 'stockflow_http_requests_total', {
        method: 'POST',
        route: '/products',
        status: '201',
      }),
    ).toBe(1);
    await expect
      .poll(
        () =>
          growth(since, 'catalog', 'stockflow_outbox_published_total', {
            type: 'io.stockflow.product.created',
          }),
        poll,
      )
      .toBe(1);
    const received = { type: 'io.stockflow.goods.received' };
    expect(
      await growth(since, 'inventory', 'stockflow_events_handled_total', { ...received, outcome: 'applied' }),
    ).toBe(1);
    expect(
      await growth(since, 'inventory', 'stockflow_events_handled_total', {
        ...received,
        outcome: 'duplicate',
      }),
    ).toBe(1);
    // Only applying is timed: the duplicate was answered without work.
    expect(await growth(since, 'inventory', 'stockflow_event_handler_duration_seconds_count', received)).toBe(
      1,
    );
  });

  it("counts the order's requests, events applied by type and outbox publishes in each function", async () => {
    const since = beforeOrder;
    const counted = (fn: FunctionName, name: string, labels: Record<string, string>) =>
      expect.poll(() => growth(since, fn, name, labels), poll);

    await counted('web', 'stockflow_http_requests_total', {
      method: 'POST',
      route: '/api/orders/*',
      status: '202',
    }).toBe(1);
    await counted('orders', 'stockflow_http_requests_total', {
      method: 'POST',
      route: '/',
      status: '202',
    }).toBe(1);
    await counted('orders', 'stockflow_outbox_published_total', { type: 'io.stockflow.order.placed' }).toBe(
      1,
    );
    await counted('inventory', 'stockflow_events_handled_total', {
      type: 'io.stockflow.order.placed',
      outcome: 'applied',
    }).toBe(1);
    await counted('inventory', 'stockflow_event_handler_duration_seconds_count', {
      type: 'io.stockflow.order.placed',
    }).toBe(1);
    await counted('inventory', 'stockflow_outbox_published_total', {
      type: 'io.stockflow.stock.reserved',
    }).toBe(1);
    await counted('orders', 'stockflow_events_handled_total', {
      type: 'io.stockflow.stock.reserved',
      outcome: 'applied',
    }).toBe(1);
    // The payment step: orders holds the order for payment, payments opens the provider's checkout,
    // the provider's webhook authorizes it, and orders confirms.
    const payment = [
      ['orders', 'io.stockflow.order.awaiting-payment', 'payments'],
      ['payments', 'io.stockflow.payment.requested', 'orders'],
      ['payments', 'io.stockflow.payment.authorized', 'orders'],
    ] as const;
    for (const [producer, type, consumer] of payment) {
      await counted(producer, 'stockflow_outbox_published_total', { type }).toBe(1);
      await counted(consumer, 'stockflow_events_handled_total', { type, outcome: 'applied' }).toBe(1);
    }
    await counted('payments', 'stockflow_http_requests_total', {
      method: 'POST',
      route: '/webhooks/sandbox',
      status: '200',
    }).toBe(1);
    await counted('orders', 'stockflow_outbox_published_total', {
      type: 'io.stockflow.order.confirmed',
    }).toBe(1);
    for (const type of [
      'io.stockflow.order.placed',
      'io.stockflow.stock.reserved',
      'io.stockflow.order.awaiting-payment',
      'io.stockflow.payment.requested',
      'io.stockflow.payment.authorized',
      'io.stockflow.order.confirmed',
    ]) {
      await counted('ledger', 'stockflow_events_handled_total', { type, outcome: 'applied' }).toBe(1);
    }
    // Nothing failed on the way, and the outboxes hold nothing back.
    for (const fn of FUNCTIONS) {
      const now = await scrape(fn);
      expect(total(now, 'stockflow_outbox_publish_failures_total'), fn).toBe(0);
      expect(total(now, 'stockflow_events_handled_total', { outcome: 'failed' }), fn).toBe(0);
      expect(total(now, 'stockflow_outbox_waiting'), fn).toBe(0);
    }
  });

  type Step = readonly [service: string, kind: number, name: string | RegExp];

  /**
   * Waits until trace `id` holds a span for every step (each function exports in batches, a span
   * once it ends), and returns them with `descends`: whether `ancestor` is `span`'s parent, or its
   * parent's (a hop's own server span may sit between).
   */
  async function traced<S extends Record<string, Step>>(id: string, steps: S) {
    const inTrace = () => collector.spans.filter((s) => s.traceId === id);
    const find = ([service, kind, name]: Step) =>
      inTrace().find(
        (s) =>
          s.service === service &&
          s.kind === kind &&
          (typeof name === 'string' ? s.name === name : name.test(s.name)),
      );
    const missing = () =>
      Object.entries(steps)
        .filter(([, step]) => !find(step))
        .map(([name]) => name);
    await expect.poll(missing, poll).toEqual([]);
    const spans = Object.fromEntries(
      Object.entries(steps).map(([name, step]) => [name, find(step)]),
    ) as Record<keyof S, CollectedSpan | undefined>;
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    const descends = (span: CollectedSpan | undefined, ancestor: CollectedSpan | undefined) => {
      for (let at = span; at; at = at.parentSpanId ? byId.get(at.parentSpanId) : undefined) {
        if (at.parentSpanId === ancestor?.spanId) return true;
      }
      return false;
    };
    return { spans, descends, services: () => new Set(inTrace().map((s) => s.service)) };
  }

  /**
   * Waits for the order's spans in trace `id` and checks their chain: web's server span, orders' (its
   * child), order.placed published, applied by inventory, stock.reserved published, applied by orders
   * (the hold), order.awaiting-payment published, applied by payments (the provider's checkout),
   * payment.requested published, applied by orders, and the ledger's record of each event. Returns
   * web's server span.
   */
  async function expectSagaTrace(id: string): Promise<CollectedSpan | undefined> {
    const { spans, descends, services } = await traced(id, {
      webServer: ['web', SpanKind.server, /^POST /],
      ordersServer: ['orders', SpanKind.server, 'POST /'],
      placedPublish: ['orders', SpanKind.producer, 'io.stockflow.order.placed publish'],
      reserve: ['inventory', SpanKind.consumer, 'io.stockflow.order.placed process'],
      reservedPublish: ['inventory', SpanKind.producer, 'io.stockflow.stock.reserved publish'],
      hold: ['orders', SpanKind.consumer, 'io.stockflow.stock.reserved process'],
      awaitingPublish: ['orders', SpanKind.producer, 'io.stockflow.order.awaiting-payment publish'],
      checkout: ['payments', SpanKind.consumer, 'io.stockflow.order.awaiting-payment process'],
      requestedPublish: ['payments', SpanKind.producer, 'io.stockflow.payment.requested publish'],
      paymentStep: ['orders', SpanKind.consumer, 'io.stockflow.payment.requested process'],
      placedRecorded: ['ledger', SpanKind.consumer, 'io.stockflow.order.placed process'],
      reservedRecorded: ['ledger', SpanKind.consumer, 'io.stockflow.stock.reserved process'],
      awaitingRecorded: ['ledger', SpanKind.consumer, 'io.stockflow.order.awaiting-payment process'],
      requestedRecorded: ['ledger', SpanKind.consumer, 'io.stockflow.payment.requested process'],
    });
    const { webServer, ordersServer, placedPublish, reserve, reservedPublish, hold, awaitingPublish } = spans;
    expect(ordersServer?.parentSpanId, 'web forwards its span to orders').toBe(webServer?.spanId);
    expect(placedPublish?.parentSpanId).toBe(ordersServer?.spanId);
    expect(descends(reserve, placedPublish), 'inventory reserves in the trace of order.placed').toBe(true);
    expect(reserve?.attributes['stockflow.outcome']).toBe('applied');
    expect(reservedPublish?.parentSpanId).toBe(reserve?.spanId);
    expect(descends(hold, reservedPublish), 'orders holds in the trace of stock.reserved').toBe(true);
    expect(hold?.attributes['stockflow.outcome']).toBe('applied');
    expect(awaitingPublish?.parentSpanId).toBe(hold?.spanId);
    const { checkout, requestedPublish, paymentStep } = spans;
    expect(descends(checkout, awaitingPublish), 'payments opens the checkout in the trace').toBe(true);
    expect(checkout?.attributes['stockflow.outcome']).toBe('applied');
    expect(requestedPublish?.parentSpanId).toBe(checkout?.spanId);
    expect(descends(paymentStep, requestedPublish), 'orders shows the payment step in the trace').toBe(true);
    expect(paymentStep?.attributes['stockflow.outcome']).toBe('applied');
    const recorded = [
      [spans.placedRecorded, placedPublish, 'order.placed'],
      [spans.reservedRecorded, reservedPublish, 'stock.reserved'],
      [spans.awaitingRecorded, awaitingPublish, 'order.awaiting-payment'],
      [spans.requestedRecorded, requestedPublish, 'payment.requested'],
    ] as const;
    for (const [record, publish, type] of recorded) {
      expect(descends(record, publish), `the ledger records ${type} in the trace`).toBe(true);
    }
    // notifications consumes order.placed too: in the trace once its spans are exported, which the
    // saga does not wait for.
    const inTrace = services();
    inTrace.delete('notifications');
    expect(inTrace).toEqual(new Set(['web', 'orders', 'inventory', 'payments', 'ledger']));
    return webServer;
  }

  /** The trace of an order's event as the ledger recorded it (an operator's way from an order to its traces). */
  async function recordedTrace(orderId: string, type: string): Promise<string> {
    // Asked directly: web answers 404 to every /api/<function>/events path.
    const res = await fetch(`${stack.urls.services.ledger}/events?subject=${orderId}&type=${type}`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: Array<{ event: { traceparent?: string } }> };
    const [, id] = String(body.items[0]?.event.traceparent).split('-');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    return id!;
  }

  /**
   * The order's confirmation: the provider's signed webhook starts its trace in web, payments
   * verifies it and publishes payment.authorized, orders applies it and publishes order.confirmed,
   * and the ledger records both.
   */
  async function expectConfirmationTrace(orderId: string, orderTrace: string) {
    const id = await recordedTrace(orderId, 'io.stockflow.order.confirmed');
    expect(id, 'the provider, not the shopper, starts the confirmation').not.toBe(orderTrace);
    const { spans, descends } = await traced(id, {
      webServer: ['web', SpanKind.server, /^POST /],
      webhook: ['payments', SpanKind.server, 'POST /webhooks/sandbox'],
      authorizedPublish: ['payments', SpanKind.producer, 'io.stockflow.payment.authorized publish'],
      confirm: ['orders', SpanKind.consumer, 'io.stockflow.payment.authorized process'],
      confirmedPublish: ['orders', SpanKind.producer, 'io.stockflow.order.confirmed publish'],
      authorizedRecorded: ['ledger', SpanKind.consumer, 'io.stockflow.payment.authorized process'],
      confirmedRecorded: ['ledger', SpanKind.consumer, 'io.stockflow.order.confirmed process'],
    });
    const { webServer, webhook, authorizedPublish, confirm, confirmedPublish } = spans;
    expect(webServer?.parentSpanId || undefined, 'the webhook starts its trace in web').toBeUndefined();
    expect(webhook?.parentSpanId, 'web forwards the webhook to payments').toBe(webServer?.spanId);
    expect(descends(authorizedPublish, webhook), 'payments publishes the authorization').toBe(true);
    expect(descends(confirm, authorizedPublish), 'orders confirms in the trace of payment.authorized').toBe(
      true,
    );
    expect(confirm?.attributes['stockflow.outcome']).toBe('applied');
    expect(confirmedPublish?.parentSpanId).toBe(confirm?.spanId);
    expect(descends(spans.authorizedRecorded, authorizedPublish)).toBe(true);
    expect(descends(spans.confirmedRecorded, confirmedPublish), 'the ledger records order.confirmed').toBe(
      true,
    );
  }

  it("continues the caller's trace from web's POST through orders and inventory to the confirmation", async () => {
    const webServer = await expectSagaTrace(traceId);
    expect(webServer?.parentSpanId, "web continues the caller's trace").toBe(callerSpanId);
    await expectConfirmationTrace(order.id, traceId);
  });

  it("starts the trace in web when the caller sends none; the order's events carry it (ledger)", async () => {
    const placed = await api<PlacedOrder>('/orders', {
      method: 'POST',
      body: JSON.stringify({
        items: [{ productId: product.id, quantity: 1 }],
        customer: shopper(),
      }),
    });
    expect(placed.status).toBe(202);
    await payOrder(stack, async () => (await api<Order>(`/orders/${placed.body.id}`, { admin: true })).body);
    await expect
      .poll(async () => (await api<Order>(`/orders/${placed.body.id}`, { admin: true })).body.status, poll)
      .toBe('confirmed');
    // An operator's way from an order to its trace: the traceparent of its events in the ledger.
    const id = await recordedTrace(placed.body.id, 'io.stockflow.order.placed');
    expect(id).not.toBe(traceId);
    const webServer = await expectSagaTrace(id);
    expect(webServer?.parentSpanId || undefined, 'web starts the trace').toBeUndefined();
    await expectConfirmationTrace(placed.body.id, id);
  });

  it("writes each function's log lines for the order with its trace in Cloud Logging's field", () => {
    const entries = output.flatMap((text) => {
      const [name, line] = text.split(' │ ', 2);
      if (!line?.startsWith('{')) return [];
      try {
        return [{ process: name!.trim(), entry: JSON.parse(line) as Record<string, unknown> }];
      } catch {
        return [];
      }
    });
    const trace = `projects/${projectId}/traces/${traceId}`;
    const traced = entries.filter(({ entry }) => entry['logging.googleapis.com/trace'] === trace);
    // notifications' lines join the trace too when it has handled the events by now (not awaited).
    const processes = new Set(traced.map((t) => t.process));
    processes.delete('notifications');
    expect(processes, `no traced line in:\n${output.slice(-40).join('')}`).toEqual(
      new Set(['web', 'orders', 'inventory', 'payments', 'ledger']),
    );
    const handled = (process: string, type: string) =>
      traced.some(
        (t) => t.process === process && t.entry.message === 'event handled' && t.entry.type === type,
      );
    expect(handled('inventory', 'io.stockflow.order.placed')).toBe(true);
    expect(handled('orders', 'io.stockflow.stock.reserved')).toBe(true);
    expect(handled('payments', 'io.stockflow.order.awaiting-payment')).toBe(true);
    for (const { entry } of traced) expect(entry['logging.googleapis.com/spanId']).toMatch(/^[0-9a-f]{16}$/);
  });

  it('counts an event a consumer refuses as rejected, and the dead letter the ledger receives for it', async () => {
    const since = await scrapeAll();
    // order.placed without its items: inventory answers 400, which Knative does not retry.
    expect(
      await stack.publish({
        type: 'io.stockflow.order.placed',
        source: '/orders',
        subject: 'not-an-order',
        data: { orderId: 'not-an-order' },
      }),
    ).toBe(202);
    await expect
      .poll(
        () =>
          growth(since, 'inventory', 'stockflow_events_handled_total', {
            type: 'io.stockflow.order.placed',
            outcome: 'rejected',
          }),
        poll,
      )
      .toBe(1);
    await expect
      .poll(
        // Inventory's refusal; notifications, which also consumes order.placed, refuses it too.
        () =>
          growth(since, 'ledger', 'stockflow_dead_letters_total', {
            type: 'io.stockflow.order.placed',
            destination: 'inventory',
          }),
        poll,
      )
      .toBe(1);
  });
});
