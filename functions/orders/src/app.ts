/**
 * @module orders: shoppers place orders (with an optional Idempotency-Key) and follow them with the
 * order's token; admins list and ship them. Every change commits with the events it causes. Stock
 * decisions come from inventory's events, product facts from a projection of catalog's events.
 */
import { randomUUID } from 'node:crypto';
import {
  CancelOrder,
  type Order,
  OrderStatus,
  type PlacedOrder,
  PlaceOrder,
  Product,
  StockRejected,
  StockReserved,
} from '@stockflow/contracts';
import {
  badRequest,
  bearerToken,
  conflict,
  defineFunction,
  envInt,
  notFound,
  on,
  pageLimit,
  type Runtime,
  readJson,
  readQuery,
  requireAdmin,
  secretsEqual,
  unprocessable,
  type Work,
} from '@stockflow/kit';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import * as z from 'zod/mini';
import { issueToken, tokenMatches } from './access.ts';
import {
  IdempotencyKey,
  IdempotencyKeyReusedError,
  openToken,
  requestDigest,
  sealToken,
} from './idempotency.ts';
import {
  cancelOrder,
  confirmReservation,
  MixedCurrenciesError,
  type OrderChange,
  placeOrder,
  rejectForShortages,
  shipOrder,
  TotalTooLargeError,
  TransitionRefusedError,
  UnorderableProductsError,
} from './order.ts';
import { project } from './products.ts';
import { OrdersStore, type StoredOrder } from './store.ts';

const ListQuery = z.object({
  status: z.optional(OrderStatus),
  limit: pageLimit(),
  cursor: z.optional(z.string().check(z.maxLength(1000))),
});

/** The domain's refusals as HTTP answers. */
function asProblem(error: unknown): never {
  if (error instanceof UnorderableProductsError)
    throw unprocessable(error.message, { products: error.products });
  if (error instanceof MixedCurrenciesError)
    throw unprocessable(error.message, { currencies: error.currencies });
  if (error instanceof TotalTooLargeError || error instanceof IdempotencyKeyReusedError) {
    throw unprocessable(error.message);
  }
  if (error instanceof TransitionRefusedError) throw conflict(error.message, { orderStatus: error.from });
  throw error;
}

const now = () => new Date().toISOString();

const placedView = (order: Order, token: string): PlacedOrder => ({
  id: order.id,
  status: order.status,
  token,
  items: order.items,
  totalCents: order.totalCents,
  currency: order.currency,
});

/** Commits a change of a stored order with the events it causes. */
function commit(store: OrdersStore, work: Work, stored: StoredOrder, { order, events }: OrderChange): Order {
  if (!events.length) return order;
  store.replace(work, { ...stored, order });
  for (const event of events) work.emit(event);
  return order;
}

/** An inventory decision about an order, applied once (the kit dedupes the event). */
async function applyStockDecision(
  rt: Runtime,
  work: Work,
  orderId: string,
  decide: (order: Order, at: string) => OrderChange,
): Promise<void> {
  const store = new OrdersStore(() => rt.db());
  const stored = await store.read(work, orderId);
  if (!stored) {
    // Orders commits an order before announcing it, so this event is about no order of ours.
    rt.log.warn('stock decision for an unknown order ignored', { orderId });
    return;
  }
  const change = decide(stored.order, now());
  if (!change.events.length) {
    rt.log.info('stock decision changes nothing', { orderId, status: stored.order.status });
  }
  commit(store, work, stored, change);
}

/** Keeps the newest version of each product (events may come twice or out of order). */
const projectProduct = on(Product, async ({ data, work, rt }) => {
  const store = new OrdersStore(() => rt.db());
  const current = (await store.products(work, [data.id])).get(data.id);
  const next = project(current, data);
  if (next) store.saveProduct(work, next);
});

export const orders = defineFunction({
  name: 'orders',
  env: {
    /** How often an idle order event stream gets a comment, so proxies keep it open. */
    SSE_KEEPALIVE_MS: z._default(envInt({ min: 10 }), 15_000),
  },
  events: {
    'io.stockflow.product.created': projectProduct,
    'io.stockflow.product.updated': projectProduct,
    'io.stockflow.product.archived': projectProduct,
    'io.stockflow.stock.reserved': on(StockReserved, ({ data, work, rt }) =>
      applyStockDecision(rt, work, data.orderId, confirmReservation),
    ),
    'io.stockflow.stock.rejected': on(StockRejected, ({ data, work, rt }) =>
      applyStockDecision(rt, work, data.orderId, (order, at) =>
        rejectForShortages(order, data.shortages, at),
      ),
    ),
  },
  routes(app, rt) {
    const store = new OrdersStore(() => rt.db());
    const adminToken = rt.config.ADMIN_TOKEN;
    const admin = requireAdmin(adminToken);

    const isAdminToken = (credential: string) => Boolean(adminToken && secretsEqual(credential, adminToken));
    /** True when `credential` is this order's token or the admin token. */
    const opens = (stored: StoredOrder, credential: string | undefined) =>
      credential !== undefined && (isAdminToken(credential) || tokenMatches(credential, stored.tokenHash));
    /** The same answer whether the order does not exist or the credential does not open it. */
    const hidden = (id: string) => notFound(`No order ${id} for this token.`);

    /** The order `:id` if the credential opens it; 404 otherwise. */
    const openOrder = async (c: Context, credential: string | undefined): Promise<StoredOrder> => {
      const id = c.req.param('id')!;
      const stored = Product.shape.id.safeParse(id).success ? await store.find(id) : undefined;
      if (!stored || !opens(stored, credential)) throw hidden(id);
      return stored;
    };

    /** Applies a command to the order `:id` in one transaction, if `credential` opens the order. */
    const change = (
      c: Context,
      credential: string | undefined,
      command: (order: Order, at: string) => OrderChange,
    ) => {
      const id = c.req.param('id')!;
      if (!Product.shape.id.safeParse(id).success) throw hidden(id);
      return rt
        .transact(async (work) => {
          const stored = await store.read(work, id);
          if (!stored || !opens(stored, credential)) throw hidden(id);
          return commit(store, work, stored, command(stored.order, now()));
        })
        .catch(asProblem);
    };

    app.post('/', async (c) => {
      const keyHeader = c.req.header('idempotency-key');
      const key = keyHeader === undefined ? undefined : IdempotencyKey.safeParse(keyHeader).data;
      if (keyHeader !== undefined && !key) {
        throw badRequest('The Idempotency-Key header must be 1 to 200 visible ASCII characters.');
      }
      const request = await readJson(c, PlaceOrder);
      const requestHash = requestDigest(request);
      const placed = await rt
        .transact(async (work) => {
          const claimed = key ? await store.readIdempotencyKey(work, key) : undefined;
          if (key && claimed) {
            if (claimed.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
            const first = await store.read(work, claimed.orderId);
            if (!first) throw new Error(`Idempotency-Key record names a missing order ${claimed.orderId}`);
            return { order: first.order, token: openToken(claimed.sealedToken, key, claimed.orderId) };
          }
          const products = await store.products(
            work,
            request.items.map((line) => line.productId),
          );
          const { token, tokenHash } = issueToken();
          const { order, events } = placeOrder({
            id: randomUUID(),
            lines: request.items,
            customer: request.customer,
            products,
            now: now(),
          });
          store.insert(work, { order, tokenHash });
          if (key) {
            const sealedToken = sealToken(token, key, order.id);
            store.claimIdempotencyKey(work, key, { orderId: order.id, requestHash, sealedToken });
          }
          for (const event of events) work.emit(event);
          return { order, token };
        })
        .catch(asProblem);
      return c.json(placedView(placed.order, placed.token), 202);
    });

    app.get('/', admin, async (c) => c.json(await store.list(readQuery(c, ListQuery))));

    app.get('/:id', async (c) => c.json((await openOrder(c, bearerToken(c))).order));

    app.get('/:id/events', async (c) => {
      // EventSource cannot send headers: the token may come as `?token=`.
      const stored = await openOrder(c, bearerToken(c) ?? c.req.query('token'));
      return streamSSE(c, async (stream) => {
        // Each change appends to the timeline: its length orders the states and skips repeats.
        let sent = 0;
        let writing = Promise.resolve();
        const send = (order: Order) => {
          if (order.timeline.length <= sent) return;
          sent = order.timeline.length;
          const data = JSON.stringify(order);
          writing = writing.then(() => stream.writeSSE({ event: 'order', id: String(sent), data }));
        };
        let finish!: () => void;
        const finished = new Promise<void>((resolve) => {
          finish = resolve;
        });
        stream.onAbort(finish);
        send(stored.order);
        const stop = await store.watch(stored.order.id, send, (error) => {
          rt.log.warn('order watch failed; closing the event stream', { error });
          finish();
        });
        const keepAlive = setInterval(() => {
          writing = writing.then(() => stream.write(': keep-alive\n\n').then(() => undefined));
        }, rt.config.SSE_KEEPALIVE_MS);
        try {
          await finished;
        } finally {
          clearInterval(keepAlive);
          stop();
        }
      });
    });

    app.post('/:id/cancel', async (c) => {
      const credential = bearerToken(c);
      // The body is optional: a reason for the timeline (Hono keeps the text for readJson).
      const { reason } = (await c.req.text()) ? await readJson(c, CancelOrder) : {};
      const by = credential && isAdminToken(credential) ? 'admin' : 'customer';
      return c.json(await change(c, credential, (order, at) => cancelOrder(order, { by, reason }, at)));
    });

    app.post('/:id/ship', admin, async (c) => c.json(await change(c, adminToken, shipOrder)));
  },
});
