/**
 * @module End to end: the whole stack `npm start` runs (startStack: the built bundles, the mesh with
 * its journal, the Firestore emulator), orders placed through web's `POST /api/orders` by concurrent
 * shoppers, each order watched on its Server-Sent Events stream (`GET /api/orders/:id/events`) until
 * it is confirmed. Each shopper pays with the approving test card as soon as the stream shows the
 * payment step open (the payment sandbox's in-process `pay`, what its hosted form does), so a
 * confirmation includes the payment step: payments opening the checkout, and the provider's signed
 * webhook through web and payments back to orders. Figures: orders placed per second (202s), orders
 * confirmed per second (first POST to last confirmation), POST→confirmed p50/p99, and the same
 * latencies for one shopper alone (what the path costs without queueing for the machine's cores),
 * then the loaded phase again on a stack with two inventory instances (`ordersPerSec2`, `ratio2`).
 * SSE rather than polling: orders' Firestore listener pushes the confirmation as it is written, so a
 * latency carries no poll interval and costs no reads.
 * No target: the figures are stated.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Order, PlacedOrder, Product } from '@stockflow/contracts';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { startOtlpCollector } from '../packages/kit/src/testing/otlp-collector.ts';
import { REPO_ROOT, type Stack, startStack } from '../packages/mesh/src/runner/stack.ts';
import { CARDS, shopper } from '../tests/system/shopper.ts';
import { medianStages, orderStages } from './critical-path.ts';
import { cpuByPart, cpuSpent } from './process-cpu.ts';
import { median, percentile, round } from './stats.ts';

const ORDERS = Number(process.env.E2E_ORDERS ?? 300);
const SHOPPERS = Number(process.env.E2E_SHOPPERS ?? 20);
/**
 * Untimed orders first: every process's connections, JIT and Firestore clients warm. The emulator's
 * JVM keeps getting cheaper for thousands of operations (about 50 ms of its CPU per order fresh, 7 to
 * 16 warm): a few dozen orders would time its warm-up.
 */
const WARMUP_ORDERS = Number(process.env.E2E_WARMUP ?? 150);
/** Orders one shopper places alone, one after the other: the path's own latency, no queueing. */
const SOLO_ORDERS = 30;
const PRODUCTS = 20;
/** Enough that every order confirms: the bench times the confirmed path, not rejections. */
const STOCK_PER_PRODUCT = 100_000;
const WATCH_TIMEOUT_MS = 60_000;
const customer = shopper('Bench Shopper', 'bench@example.com');

class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchError';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Milliseconds since the epoch, as precise as `performance.now()`: comparable with span times. */
const now = () => performance.timeOrigin + performance.now();

interface Timed {
  postedAt: number;
  acceptedAt: number;
  paidAt?: number;
  confirmedAt: number;
}

function client(stack: Stack) {
  const web = `${stack.urls.web}/api`;
  const admin = { authorization: `Bearer ${stack.adminToken}` };
  async function call<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    const res = await fetch(`${web}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...(init.headers as object) },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  const expectStatus = <T>(what: string, want: number, answer: { status: number; body: T }): T => {
    if (answer.status !== want)
      throw new BenchError(`${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const place = (items: Array<{ productId: string; quantity: number }>, key: string = randomUUID()) =>
    call<PlacedOrder>('/orders', {
      method: 'POST',
      headers: { 'idempotency-key': key },
      body: JSON.stringify({ items, customer }),
    });

  return {
    async seed(): Promise<Product[]> {
      const products = await Promise.all(
        Array.from({ length: PRODUCTS }, async (_, i) =>
          expectStatus(
            'creating a product',
            201,
            await call<Product>('/catalog/products', {
              method: 'POST',
              headers: admin,
              body: JSON.stringify({
                sku: `BENCH-${i}-${randomUUID().slice(0, 8)}`,
                name: `Bench item ${i}`,
                priceCents: 500 + i,
                currency: 'EUR',
              }),
            }),
          ),
        ),
      );
      await Promise.all(
        products.map(async (p) =>
          expectStatus(
            'a stock adjustment',
            200,
            await call(`/inventory/stock/${p.id}/adjustments`, {
              method: 'POST',
              headers: admin,
              body: JSON.stringify({ delta: STOCK_PER_PRODUCT, reason: 'bench stock' }),
            }),
          ),
        ),
      );
      return products;
    },

    /**
     * Waits until orders' projection knows each product (product.created travels through the broker):
     * it answers 422 until then. The probe asks for more than the stock, so it reserves nothing.
     */
    async projected(products: Product[]): Promise<void> {
      for (const p of products) {
        const deadline = Date.now() + 60_000;
        while ((await place([{ productId: p.id, quantity: 1_000_000 }], `probe-${p.id}`)).status !== 202) {
          if (Date.now() > deadline) throw new BenchError(`orders never learnt of product ${p.id}`);
          await sleep(100);
        }
      }
    },

    /** Places one order and resolves once it is accepted, with the watch of its confirmation. */
    async placeAndWatch(items: Array<{ productId: string; quantity: number }>) {
      const postedAt = now();
      const order = expectStatus('placing an order', 202, await place(items));
      const acceptedAt = now();
      const confirmed = confirmation(`${web}/orders/${order.id}/events`, order.token, (checkoutUrl) =>
        stack.paymentSandbox.pay(checkoutUrl, CARDS.approve),
      );
      return {
        acceptedAt,
        timed: confirmed.then((seen): Timed => ({ postedAt, acceptedAt, ...seen })),
      };
    },
  };
}

/**
 * Reads an order's event stream until the order is confirmed, paying once the stream shows its
 * payment step open; resolves with the moments of paying and of confirmation.
 */
async function confirmation(
  url: string,
  token: string,
  pay: (checkoutUrl: string) => void,
): Promise<{ paidAt?: number; confirmedAt: number }> {
  let paidAt: number | undefined;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), WATCH_TIMEOUT_MS);
  try {
    // The order's cookie, as a browser's EventSource sends it.
    const res = await fetch(url, { headers: { cookie: `order_token=${token}` }, signal: abort.signal });
    if (!res.ok || !res.body) throw new BenchError(`the order's event stream answered ${res.status}`);
    const events = res.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream())
      .getReader();
    for (;;) {
      const { value: message, done } = await events.read();
      if (done) break;
      if (message.event !== 'order') continue;
      const { id, status, payment } = JSON.parse(message.data) as Order;
      if (status === 'confirmed') return { paidAt, confirmedAt: now() };
      if (status === 'awaiting-payment' && payment?.checkoutUrl && paidAt === undefined) {
        paidAt = now();
        pay(payment.checkoutUrl);
      } else if (status !== 'pending' && status !== 'awaiting-payment')
        throw new BenchError(`order ${id} ended ${status}, not confirmed`);
    }
    throw new BenchError('the order stream ended before the order was confirmed');
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** `count` orders from `shoppers` concurrent shoppers, each placing its next order once one is accepted. */
async function placeOrders(
  shop: ReturnType<typeof client>,
  products: Product[],
  count: number,
  { shoppers = SHOPPERS, oneAtATime = false } = {},
) {
  const watches: Promise<Timed>[] = [];
  let next = 0;
  let lastAcceptedAt = 0;
  const shopper = async () => {
    while (next < count) {
      const i = next++;
      // One or two lines of one to three units, spread over the products.
      const items = [{ productId: products[i % PRODUCTS]!.id, quantity: 1 + (i % 3) }];
      if (i % 2) items.push({ productId: products[(i * 7 + 3) % PRODUCTS]!.id, quantity: 1 });
      if (items[1]?.productId === items[0]!.productId) items.pop();
      const { acceptedAt, timed } = await shop.placeAndWatch(items);
      lastAcceptedAt = Math.max(lastAcceptedAt, acceptedAt);
      // Surfaces through Promise.all below; caught here so no rejection goes unhandled meanwhile.
      timed.catch(() => undefined);
      watches.push(timed);
      if (oneAtATime) await timed;
    }
  };
  const started = now();
  await Promise.all(Array.from({ length: shoppers }, shopper));
  const orders = await Promise.all(watches);
  return { started, lastAcceptedAt, orders };
}

/** Bundles what the stack runs, so the bench times the code as it is now (what each image runs). */
function build(): void {
  const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new BenchError(`npm run build failed (exit ${built.status})`);
}

/** A stack as `npm start` runs it, with the bench's limits lifted, `inventory` instances of inventory. */
function benchStack(collectorUrl: string, inventory: number, logs: string[]): Promise<Stack> {
  return startStack({
    port: 0,
    brokerPort: 0,
    // The bench's own staff calls (products, stock) use the break-glass token, on for this stack only.
    adminToken: randomBytes(24).toString('base64url'),
    projectId: `stockflow-bench-${randomUUID().slice(0, 8)}`,
    readyTimeoutMs: 90_000,
    ...(inventory > 1 ? { replicas: { inventory } } : {}),
    // One machine sends every order: web's per-client order limit is not what is measured.
    // Probes ask for more units than exist (a rejected order): above the shop's per-line cap.
    // Every shopper of the bench is 127.0.0.1: no per-client cap on orders or on their streams.
    env: {
      ORDER_RATE_LIMIT: '0',
      ORDER_STREAMS_PER_CLIENT: '0',
      MAX_LINE_QUANTITY: '1000000',
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
    },
    write(text) {
      logs.push(text);
      if (logs.length > 200) logs.shift();
    },
  });
}

/** The loaded phase's figures: ORDERS orders from SHOPPERS concurrent shoppers. */
async function loaded(shop: ReturnType<typeof client>, products: Product[]) {
  const cpuBefore = cpuByPart();
  const { started, lastAcceptedAt, orders } = await placeOrders(shop, products, ORDERS);
  const cpu = cpuPerOrder(cpuSpent(cpuBefore, cpuByPart()), ORDERS);
  const lastConfirmedAt = Math.max(...orders.map((o) => o.confirmedAt));
  const toConfirmed = orders.map((o) => o.confirmedAt - o.postedAt);
  const toAccepted = orders.map((o) => o.acceptedAt - o.postedAt);
  return {
    cpu,
    placedPerSec: round(ORDERS / ((lastAcceptedAt - started) / 1000), 1),
    ordersPerSec: round(ORDERS / ((lastConfirmedAt - started) / 1000), 1),
    placeP50Ms: round(median(toAccepted), 1),
    placeP99Ms: round(percentile(toAccepted, 99), 1),
    p50Ms: round(median(toConfirmed), 1),
    p99Ms: round(percentile(toConfirmed, 99), 1),
    maxMs: round(Math.max(...toConfirmed), 1),
  };
}

/**
 * The same loaded phase with two inventory instances behind the runner's round-robin (as Knative
 * spreads a Trigger's deliveries over two pods), on a stack of its own.
 */
async function loadedWithTwoInventories(collectorUrl: string) {
  const logs: string[] = [];
  const stack = await benchStack(collectorUrl, 2, logs);
  try {
    const shop = client(stack);
    const products = await shop.seed();
    await shop.projected(products);
    await placeOrders(shop, products, WARMUP_ORDERS);
    return await loaded(shop, products);
  } catch (error) {
    console.error(logs.slice(-30).join(''));
    throw error;
  } finally {
    await stack.stop();
  }
}

export async function run() {
  build();
  const logs: string[] = [];
  // The spans every function exports, for the critical path of the solo orders.
  const collector = await startOtlpCollector();
  const stack = await benchStack(collector.url, 1, logs);
  let one: Awaited<ReturnType<typeof loaded>>;
  let soloP50Ms: number;
  let soloPlaceP50Ms: number;
  try {
    if (!stack.urls.web) throw new BenchError('the stack has no web: is web/ built?');
    const shop = client(stack);
    const products = await shop.seed();
    await shop.projected(products);
    await placeOrders(shop, products, WARMUP_ORDERS);

    // One shopper alone, each order confirmed before the next: latency without queueing.
    const solo = await placeOrders(shop, products, SOLO_ORDERS, { shoppers: 1, oneAtATime: true });
    soloP50Ms = round(median(solo.orders.map((o) => o.confirmedAt - o.postedAt)), 1);
    soloPlaceP50Ms = round(median(solo.orders.map((o) => o.acceptedAt - o.postedAt)), 1);

    one = await loaded(shop, products);
    // The batch span processors export every 500 ms: the solo orders' last spans arrive by then.
    await sleep(1_500);
    const stages = medianStages(solo.orders.map((o) => orderStages(collector.spans, o)));
    // The raw material of the stage table, for a closer look (`E2E_SPANS_FILE=/tmp/spans.json`).
    if (process.env.E2E_SPANS_FILE)
      writeFileSync(
        process.env.E2E_SPANS_FILE,
        JSON.stringify({ spans: collector.spans, solo: solo.orders }),
      );
    console.log(
      `${ORDERS} orders (after ${WARMUP_ORDERS} untimed) from ${SHOPPERS} concurrent shoppers through web, ` +
        `${PRODUCTS} products, each order watched on its SSE stream and paid until confirmed`,
    );
    console.log(
      `placed (202): ${one.placedPerSec} orders/s, POST p50 ${one.placeP50Ms} ms p99 ${one.placeP99Ms} ms`,
    );
    console.log(
      `confirmed: ${one.ordersPerSec} orders/s, POST→confirmed p50 ${one.p50Ms} ms p99 ${one.p99Ms} ms ` +
        `max ${one.maxMs} ms`,
    );
    console.log(
      `one shopper alone (${SOLO_ORDERS} orders): POST p50 ${soloPlaceP50Ms} ms, POST→confirmed p50 ${soloP50Ms} ms`,
    );
    console.log('critical path of a solo order, median per stage (ms):');
    for (const { stage, p50Ms } of stages) console.log(`  ${String(p50Ms).padStart(7)}  ${stage}`);
    console.log(`CPU ms per confirmed order, loaded phase: ${JSON.stringify(one.cpu.byPart)}`);
  } catch (error) {
    console.error(logs.slice(-30).join(''));
    throw error;
  } finally {
    await stack.stop();
  }
  try {
    const two = await loadedWithTwoInventories(collector.url);
    console.log(
      `with 2 inventory instances: confirmed ${two.ordersPerSec} orders/s, POST→confirmed p50 ${two.p50Ms} ms ` +
        `p99 ${two.p99Ms} ms; CPU ms per order ${JSON.stringify(two.cpu.byPart)}`,
    );
    return {
      ordersPerSec: one.ordersPerSec,
      placedPerSec: one.placedPerSec,
      p50Ms: one.p50Ms,
      p99Ms: one.p99Ms,
      placeP50Ms: one.placeP50Ms,
      placeP99Ms: one.placeP99Ms,
      soloPlaceP50Ms,
      soloP50Ms,
      cpuMsPerOrder: one.cpu.all,
      nodeCpuMsPerOrder: one.cpu.node,
      ordersPerSec2: two.ordersPerSec,
      p50Ms2: two.p50Ms,
      // 2 inventory instances / 1, orders confirmed per second (the machine's 2 cores are shared).
      ratio2: round(two.ordersPerSec / one.ordersPerSec),
      orders: ORDERS,
      shoppers: SHOPPERS,
    };
  } finally {
    await collector.close();
  }
}

/** CPU milliseconds per confirmed order: each part, all of them, and ours (all but the emulator). */
function cpuPerOrder(spent: Record<string, number>, orders: number) {
  const byPart = Object.fromEntries(Object.entries(spent).map(([part, ms]) => [part, round(ms / orders, 1)]));
  const all = Object.values(spent).reduce((a, b) => a + b, 0);
  return { byPart, all: round(all / orders, 1), node: round((all - (spent.emulator ?? 0)) / orders, 1) };
}
