/**
 * @module orders: shoppers place orders (with an optional Idempotency-Key) and follow them with the
 * order's token, cancel them and ask for returns; staff read every order and return (viewer), clerks
 * cancel, ship, deliver and take returns back (the events name the clerk). Every change commits with
 * the events it causes. Stock decisions come from inventory's events, payment news from payments',
 * product facts from a projection of catalog's events; PingSource ticks expire unpaid holds.
 */
import { randomUUID } from 'node:crypto';
import {
  CancelOrder,
  InspectReturn,
  type Order,
  OrderQuery,
  OrderStatsQuery,
  type PlacedOrder,
  PlaceOrder,
  Product,
  ReceiveReturn,
  RequestReturn,
  ReturnQuery,
  type StaffRole,
} from '@stockflow/contracts';
import {
  authorize,
  badRequest,
  bearerToken,
  type ConfigOf,
  conflict,
  defineFunction,
  envInt,
  limitOpenAnswers,
  notFound,
  readJson,
  readQuery,
  requireRole,
  type StaffActor,
  staffOf,
  unprocessable,
  withActor,
} from '@stockflow/kit';
import type { Context } from 'hono';
import * as z from 'zod/mini';
import { issueToken, orderCredential, setOrderCookie, tokenExpiry, tokenMatches } from './access.ts';
import { ordersEvents } from './events.ts';
import {
  IdempotencyKey,
  IdempotencyKeyReusedError,
  keyDigest,
  openToken,
  requestDigest,
  returnRequestDigest,
  sealToken,
} from './idempotency.ts';
import {
  cancelOrder,
  deliverOrder,
  InspectionMismatchError,
  inspectReturn,
  MixedCurrenciesError,
  type OrderChange,
  placeOrder,
  ReturnNotAcceptedError,
  ReturnQuantityError,
  ReturnStepRefusedError,
  receiveReturn,
  requestReturn,
  ShipmentShippedError,
  shipOrder,
  shipShipment,
  TotalTooLargeError,
  TransitionRefusedError,
  UnknownReturnError,
  UnknownShipmentError,
  UnorderableProductsError,
} from './order.ts';
import { orderStats } from './stats.ts';
import { OrdersStore, type StoredOrder } from './store.ts';
import { streamOrder } from './stream.ts';

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
  if (error instanceof ReturnNotAcceptedError) throw conflict(error.message, { reason: error.why });
  if (error instanceof ReturnQuantityError) throw unprocessable(error.message, { products: error.products });
  if (error instanceof UnknownReturnError) throw notFound(error.message);
  if (error instanceof ReturnStepRefusedError) {
    throw conflict(error.message, { returnId: error.returnId, returnStatus: error.returnStatus });
  }
  if (error instanceof InspectionMismatchError)
    throw unprocessable(error.message, { returnId: error.returnId });
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

const placedView = (order: Order, token: string, tokenExpiresAt: string): PlacedOrder => ({
  id: order.id,
  status: order.status,
  token,
  tokenExpiresAt,
  items: order.items,
  totalCents: order.totalCents,
  currency: order.currency,
});

/**
 * What one order may ask of the shop, checked before anything is priced, stored or emitted: a
 * request within the contract's shape can still try to hold a whole catalog.
 */
function checkOrderLimits(request: PlaceOrder, limits: { maxLines: number; maxQuantity: number }): void {
  if (request.items.length > limits.maxLines) {
    throw unprocessable(`An order may have at most ${limits.maxLines} lines.`, {
      limit: { maxOrderLines: limits.maxLines },
    });
  }
  const over = request.items.filter((line) => line.quantity > limits.maxQuantity);
  if (over.length) {
    throw unprocessable(`At most ${limits.maxQuantity} of one product per order.`, {
      limit: { maxLineQuantity: limits.maxQuantity },
      products: over.map((line) => line.productId),
    });
  }
}

/**
 * How often an order event stream reads a pending order again, in case its listener missed the
 * confirmation (streamOrder): a pending order is settled within seconds.
 */
const PENDING_REREAD_MS = 3_000;

/**
 * How long an order event stream waits for its order's first read (the listener's first snapshot)
 * before answering 503: a read would have failed at its deadline while Firestore is unreachable.
 */
const STREAM_OPEN_MS = 10_000;

/** The gRPC status of a create whose document exists. */
const ALREADY_EXISTS = 6;

/** What one orders instance works with. */
export interface OrdersServices {
  store: OrdersStore;
}

const env = {
  /** How often an idle order event stream gets a comment, so proxies keep it open. */
  SSE_KEEPALIVE_MS: z._default(envInt({ min: 10 }), 15_000),
  /** Units of one product one order may hold. */
  MAX_LINE_QUANTITY: z._default(envInt({ min: 1, max: 1_000_000 }), 100),
  /** Lines (distinct products) one order may have. */
  MAX_ORDER_LINES: z._default(envInt({ min: 1, max: 100 }), 50),
  /** How long an order's token opens it (and its cookie lives), in days from placing. */
  ORDER_TOKEN_TTL_DAYS: z._default(envInt({ min: 1, max: 3650 }), 90),
  /** Event streams one order may have open at once on one instance (0: no cap). */
  ORDER_STREAMS_PER_ORDER: z._default(envInt({ min: 0 }), 5),
  /** How long reserved stock is held for an order awaiting payment, in seconds; then it is cancelled. */
  PAYMENT_HOLD_SECONDS: z._default(envInt({ min: 1, max: 7 * 24 * 3600 }), 900),
  /** Days after delivery the shopper may ask for a return. */
  RETURN_DAYS: z._default(envInt({ min: 0, max: 3650 }), 30),
};

export type OrdersConfig = ConfigOf<typeof env>;

export const orders = defineFunction({
  name: 'orders',
  env,
  services: (rt): OrdersServices => ({ store: new OrdersStore(() => rt.db()) }),
  events: ordersEvents,
  routes(app, rt, { store }) {
    /**
     * Who asks about an order: a staff member whose role allows `role` (a lesser one is refused with
     * 403), or else whoever holds the credential (the order's token, from the Authorization header
     * or the order's cookie, checked against the order).
     */
    type Asker = { staff: StaffActor } | { credential: string | undefined };
    const askerOf = async (c: Context, role: StaffRole, credential = orderCredential(c)): Promise<Asker> =>
      (await staffOf(c)) ? { staff: await authorize(c, role) } : { credential };
    const ttlDays = rt.config.ORDER_TOKEN_TTL_DAYS;
    const expiryOf = (stored: StoredOrder) =>
      tokenExpiry(stored.order.createdAt, ttlDays, stored.tokenExpiresAt);
    /** True for staff, or when the asker holds this order's unexpired token. */
    const opens = (stored: StoredOrder, asker: Asker) =>
      'staff' in asker ||
      (asker.credential !== undefined &&
        tokenMatches(asker.credential, stored.tokenHash) &&
        Date.parse(expiryOf(stored)) > Date.now());
    /** The same answer whether the order does not exist or the credential does not open it. */
    const hidden = (id: string) => notFound(`No order ${id} for this token.`);

    /** The route's `:id`; 404 (as for any order the asker cannot open) when it is no order id. */
    const orderIdOf = (c: Context): string => {
      const id = c.req.param('id')!;
      if (!Product.shape.id.safeParse(id).success) throw hidden(id);
      return id;
    };

    /** The order `:id` if the asker may read it; 404 otherwise. */
    const openOrder = async (c: Context, asker: Asker): Promise<StoredOrder> => {
      const id = orderIdOf(c);
      const stored = await store.find(id);
      if (!stored || !opens(stored, asker)) throw hidden(id);
      return stored;
    };

    /**
     * Applies a command to the order `:id` in one transaction, if the asker opens the order; a
     * staff member's events name them. With an Idempotency-Key (`once`), a command the key already
     * made answers the order as it is, and the key with another request is refused.
     */
    const change = (
      c: Context,
      asker: Asker,
      command: (order: Order, at: string) => OrderChange,
      once?: { key: string; requestHash: string },
    ) => {
      const id = orderIdOf(c);
      return rt
        .transact(async (work) => {
          const stored = await store.read(work, id);
          if (!stored || !opens(stored, asker)) throw hidden(id);
          const digest = once && keyDigest(once.key);
          const used = digest ? stored.keys?.[digest] : undefined;
          if (used && used.requestHash !== once!.requestHash) throw new IdempotencyKeyReusedError();
          if (used) return stored.order;
          const next = command(stored.order, now());
          const { subject, name } = 'staff' in asker ? asker.staff : {};
          const events =
            subject && name ? next.events.map((e) => withActor(e, { subject, name })) : next.events;
          const keys = digest
            ? { ...stored.keys, [digest]: { requestHash: once!.requestHash } }
            : stored.keys;
          return store.commit(work, { ...stored, ...(keys ? { keys } : {}) }, { ...next, events });
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
        const token = openToken(claimed.sealedToken, key, claimed.orderId);
        return { order: first.order, token, tokenExpiresAt: expiryOf(first) };
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
        const tokenExpiresAt = tokenExpiry(order.createdAt, ttlDays);
        store.insert(work, { order, tokenHash, tokenExpiresAt });
        if (key) {
          const sealedToken = sealToken(token, key, order.id);
          store.claimIdempotencyKey(work, key, { orderId: order.id, requestHash, sealedToken });
        }
        for (const event of events) work.emit(event);
        return { order, token, tokenExpiresAt };
      });

    const limits = { maxLines: rt.config.MAX_ORDER_LINES, maxQuantity: rt.config.MAX_LINE_QUANTITY };
    app.post('/', async (c) => {
      const key = idempotencyKey(c);
      const request = await readJson(c, PlaceOrder);
      checkOrderLimits(request, limits);
      const { order, token, tokenExpiresAt } = await placeOnce(request, key).catch(asProblem);
      setOrderCookie(c, order.id, token, tokenExpiresAt);
      return c.json(placedView(order, token, tokenExpiresAt), 202);
    });

    app.get('/', requireRole('viewer'), async (c) => c.json(await store.list(readQuery(c, OrderQuery))));

    // Before `/:id`: order ids are UUIDs, never `returns`.
    app.get('/returns', requireRole('viewer'), async (c) =>
      c.json(await store.listReturns(readQuery(c, ReturnQuery))),
    );

    // Before `/:id` too: the admin overview's orders per hour and revenue.
    app.get('/stats', requireRole('viewer'), async (c) =>
      c.json(await orderStats(await rt.db(), readQuery(c, OrderStatsQuery).hours)),
    );

    app.get('/:id', async (c) => c.json((await openOrder(c, await askerOf(c, 'viewer'))).order));

    /**
     * Exchanges the token of a kept order link (its fragment, or an old link's `?token=`) for the
     * order's cookie, sent in the Authorization header; answers the order. Only an order's own token
     * is exchanged: a staff token opens nothing here.
     */
    app.post('/:id/session', async (c) => {
      const token = bearerToken(c);
      const stored = await openOrder(c, { credential: token });
      setOrderCookie(c, stored.order.id, token!, expiryOf(stored));
      return c.json(stored.order);
    });

    const streamsPerOrder = limitOpenAnswers({
      limit: rt.config.ORDER_STREAMS_PER_ORDER,
      keyOf: (c) => c.req.param('id'),
      what: 'event streams of one order',
    });
    app.get('/:id/events', streamsPerOrder.handler, async (c) => {
      // The token comes in a header or the order's cookie (EventSource sends cookies), never a URL.
      const asker = await askerOf(c, 'viewer');
      const id = orderIdOf(c);
      // The listener's first snapshot is the read that opens the order: one call per stream.
      const follow = await store.follow(id, { openWithinMs: STREAM_OPEN_MS });
      // No read starts once the stream or the runtime stopped; the close waits for one in flight.
      let stopped = false;
      let reading: Promise<Order | undefined> | undefined;
      let forget: () => unknown = () => undefined;
      // Stopped when the stream ends or is refused, or before the client closes at shutdown.
      const stop = () => {
        stopped = true;
        follow.stop();
        forget();
        return reading;
      };
      forget = rt.onClose(stop);
      // Not read in time (OrderNotReadInTime) is transient storage trouble: the kit answers 503.
      const stored = await follow.opened.catch((error) => {
        stop();
        throw error;
      });
      if (!stored || !opens(stored, asker)) {
        stop();
        throw hidden(id);
      }
      return streamOrder(c, {
        first: stored.order,
        watch: async (onOrder, onError) => {
          follow.listen(onOrder, onError);
          return stop;
        },
        reread: () => {
          if (stopped) return Promise.resolve(undefined);
          reading = store.find(id).then((found) => found?.order);
          return reading;
        },
        keepAliveMs: rt.config.SSE_KEEPALIVE_MS,
        pendingRereadMs: PENDING_REREAD_MS,
        log: rt.log,
      });
    });

    app.post('/:id/cancel', async (c) => {
      const asker = await askerOf(c, 'clerk');
      // The body is optional: a reason for the timeline (Hono keeps the text for readJson).
      const { reason } = (await c.req.text()) ? await readJson(c, CancelOrder) : {};
      const by = 'staff' in asker ? 'admin' : 'customer';
      return c.json(await change(c, asker, (order, at) => cancelOrder(order, { by, reason }, at)));
    });

    app.post('/:id/deliver', requireRole('clerk'), async (c) =>
      c.json(
        await change(c, await askerOf(c, 'clerk'), (order, at) =>
          deliverOrder(order, at, rt.config.RETURN_DAYS),
        ),
      ),
    );

    // The shopper (the order's token or cookie) or staff asks to return delivered lines; a resend
    // with the request's Idempotency-Key answers the order without a second return.
    app.post('/:id/returns', async (c) => {
      const asker = await askerOf(c, 'clerk');
      const key = idempotencyKey(c);
      const request = await readJson(c, RequestReturn);
      const once = key ? { key, requestHash: returnRequestDigest(request) } : undefined;
      const order = await change(c, asker, (current, at) => requestReturn(current, request, at), once);
      return c.json(order, 201);
    });

    app.post('/:id/returns/:returnId/receive', requireRole('clerk'), async (c) => {
      const { locationId } = await readJson(c, ReceiveReturn);
      const returnId = c.req.param('returnId');
      return c.json(
        await change(c, await askerOf(c, 'clerk'), (order, at) =>
          receiveReturn(order, returnId, locationId, at),
        ),
      );
    });

    app.post('/:id/returns/:returnId/inspect', requireRole('clerk'), async (c) => {
      const { lines } = await readJson(c, InspectReturn);
      const returnId = c.req.param('returnId');
      return c.json(
        await change(c, await askerOf(c, 'clerk'), (order, at) => inspectReturn(order, returnId, lines, at)),
      );
    });

    app.post('/:id/ship', requireRole('clerk'), async (c) =>
      c.json(await change(c, await askerOf(c, 'clerk'), shipOrder)),
    );

    app.post('/:id/shipments/:shipmentId/ship', requireRole('clerk'), async (c) => {
      const shipmentId = c.req.param('shipmentId');
      return c.json(
        await change(c, await askerOf(c, 'clerk'), (order, at) => shipShipment(order, shipmentId, at)),
      );
    });
  },
});
