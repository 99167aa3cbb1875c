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
} from '@stockflow/contracts';
import {
  badRequest,
  bearerToken,
  conflict,
  defineFunction,
  envInt,
  notFound,
  pageLimit,
  readJson,
  readQuery,
  requireAdmin,
  secretsEqual,
  unprocessable,
} from '@stockflow/kit';
import type { Context } from 'hono';
import * as z from 'zod/mini';
import { issueToken, tokenMatches } from './access.ts';
import { orderEvents } from './handlers.ts';
import {
  IdempotencyKey,
  IdempotencyKeyReusedError,
  openToken,
  requestDigest,
  sealToken,
} from './idempotency.ts';
import {
  cancelOrder,
  MixedCurrenciesError,
  type OrderChange,
  placeOrder,
  ShipmentShippedError,
  shipOrder,
  shipShipment,
  TotalTooLargeError,
  TransitionRefusedError,
  UnknownShipmentError,
  UnorderableProductsError,
} from './order.ts';
import { OrdersStore, type StoredOrder } from './store.ts';
import { streamOrder } from './stream.ts';

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
  if (error instanceof UnknownShipmentError) throw notFound(error.message);
  if (error instanceof ShipmentShippedError) throw conflict(error.message, { shipmentId: error.shipmentId });
  throw error;
}

const now = () => new Date().toISOString();

/** The request's Idempotency-Key, if it has one; a 400 when it is malformed. */
function idempotencyKey(c: Context): string | undefined {
  const header = c.req.header('idempotency-key');
  if (header === undefined) return undefined;
  const key = IdempotencyKey.safeParse(header);
  if (!key.success) throw badRequest('The Idempotency-Key header must be 1 to 200 visible ASCII characters.');
  return key.data;
}

const placedView = (order: Order, token: string): PlacedOrder => ({
  id: order.id,
  status: order.status,
  token,
  items: order.items,
  totalCents: order.totalCents,
  currency: order.currency,
});

/**
 * How often an order event stream reads a pending order again, in case its listener missed the
 * confirmation (streamOrder): a pending order is settled within seconds.
 */
const PENDING_REREAD_MS = 3_000;

/** The gRPC status of a create whose document exists. */
const ALREADY_EXISTS = 6;

export const orders = defineFunction({
  name: 'orders',
  env: {
    /** How often an idle order event stream gets a comment, so proxies keep it open. */
    SSE_KEEPALIVE_MS: z._default(envInt({ min: 10 }), 15_000),
  },
  events: orderEvents,
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
          return store.commit(work, stored, command(stored.order, now()));
        })
        .catch(asProblem);
    };

    /**
     * Places the order, or, for a used Idempotency-Key, answers the order it placed (with its
     * token). The key's claim (a create, which fails if the key exists) and the order commit
     * together, so concurrent requests with one key place one order; the first request with a key
     * reads nothing in its transaction. Prices come from the projection read just before.
     */
    const placeOnce = async (request: PlaceOrder, key: string | undefined) => {
      const products = await store.currentProducts(request.items.map((line) => line.productId));
      const requestHash = requestDigest(request);
      try {
        return await placeNew(request, key, requestHash, products);
      } catch (error) {
        // The key was claimed first (a resend, or a concurrent request): answer that order. Order
        // and outbox ids are fresh UUIDs, so only the key's document can already exist.
        if (!key || (error as { code?: unknown }).code !== ALREADY_EXISTS) throw error;
        const claimed = await store.findIdempotencyKey(key);
        if (!claimed) throw error;
        if (claimed.requestHash !== requestHash) throw new IdempotencyKeyReusedError();
        const first = await store.find(claimed.orderId);
        if (!first) throw new Error(`Idempotency-Key record names a missing order ${claimed.orderId}`);
        return { order: first.order, token: openToken(claimed.sealedToken, key, claimed.orderId) };
      }
    };

    const placeNew = (
      request: PlaceOrder,
      key: string | undefined,
      requestHash: string,
      products: Awaited<ReturnType<typeof store.currentProducts>>,
    ) =>
      rt.transact(async (work) => {
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
      });

    app.post('/', async (c) => {
      const key = idempotencyKey(c);
      const request = await readJson(c, PlaceOrder);
      const { order, token } = await placeOnce(request, key).catch(asProblem);
      return c.json(placedView(order, token), 202);
    });

    app.get('/', admin, async (c) => c.json(await store.list(readQuery(c, ListQuery))));

    app.get('/:id', async (c) => c.json((await openOrder(c, bearerToken(c))).order));

    app.get('/:id/events', async (c) => {
      // EventSource cannot send headers: the token may come as `?token=`.
      const stored = await openOrder(c, bearerToken(c) ?? c.req.query('token'));
      // No read starts once the stream or the runtime stopped; the close waits for one in flight.
      let stopped = false;
      let reading: Promise<Order | undefined> | undefined;
      return streamOrder(c, {
        first: stored.order,
        watch: async (onOrder, onError) => {
          // Stopped when the stream ends, or before the client closes at shutdown, whichever first.
          const unsubscribe = await store.watch(stored.order.id, onOrder, onError);
          const stop = () => {
            stopped = true;
            unsubscribe();
            forget();
            return reading;
          };
          const forget = rt.onClose(stop);
          return stop;
        },
        reread: () => {
          if (stopped) return Promise.resolve(undefined);
          reading = store.find(stored.order.id).then((found) => found?.order);
          return reading;
        },
        keepAliveMs: rt.config.SSE_KEEPALIVE_MS,
        pendingRereadMs: PENDING_REREAD_MS,
        log: rt.log,
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

    app.post('/:id/shipments/:shipmentId/ship', admin, async (c) => {
      const shipmentId = c.req.param('shipmentId');
      return c.json(await change(c, adminToken, (order, at) => shipShipment(order, shipmentId, at)));
    });
  },
});
