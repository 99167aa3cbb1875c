/**
 * @module Stockflow's CloudEvents: every type we emit or consume, `io.stockflow.<entity>.<verb>`,
 * with its data schema. Event data are past-tense facts; an event's `subject` is the id of the
 * entity it is about (a product id, or an order id for everything in the order saga).
 */
import * as z from 'zod/mini';

const id = () => z.string().check(z.minLength(1), z.maxLength(128));
const positiveInt = () => z.int().check(z.minimum(1), z.maximum(1_000_000));
const nonNegativeInt = () => z.int().check(z.minimum(0));
const currency = () => z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'));

export const ProductStatus = z.enum(['active', 'archived']);

/** A product as catalog publishes it. `version` grows with every change (projections keep the newest). */
export const Product = z.object({
  id: id(),
  sku: z.string().check(z.minLength(1), z.maxLength(64)),
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  description: z.optional(z.string().check(z.maxLength(5000))),
  priceCents: nonNegativeInt(),
  currency: currency(),
  category: z.optional(z.string().check(z.maxLength(100))),
  imageUrl: z.optional(z.url()),
  status: ProductStatus,
  version: positiveInt(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Product = z.infer<typeof Product>;

export const OrderLine = z.object({ productId: id(), quantity: positiveInt() });
export type OrderLine = z.infer<typeof OrderLine>;

export const PricedOrderLine = z.object({
  productId: id(),
  quantity: positiveInt(),
  unitPriceCents: nonNegativeInt(),
});

export const Shortage = z.object({ productId: id(), requested: positiveInt(), available: nonNegativeInt() });
export type Shortage = z.infer<typeof Shortage>;

export const OrderPlaced = z.object({
  orderId: id(),
  items: z.array(PricedOrderLine).check(z.minLength(1), z.maxLength(100)),
  currency: currency(),
  totalCents: nonNegativeInt(),
});
export const OrderRef = z.object({ orderId: id() });
export const OrderRejected = z.object({ orderId: id(), shortages: z.array(Shortage) });
export const OrderCancelled = z.object({ orderId: id(), reason: z.optional(z.string().check(z.maxLength(500))) });

export const StockReserved = z.object({ orderId: id(), items: z.array(OrderLine) });
export const StockRejected = z.object({ orderId: id(), shortages: z.array(Shortage) });
export const StockMoved = z.object({ orderId: id(), items: z.array(OrderLine) });
export const StockLevels = z.object({
  productId: id(),
  onHand: nonNegativeInt(),
  reserved: nonNegativeInt(),
  available: nonNegativeInt(),
});
export const StockAdjusted = z.object({
  productId: id(),
  delta: z.int(),
  reason: z.string().check(z.minLength(1), z.maxLength(500)),
  onHand: nonNegativeInt(),
  reserved: nonNegativeInt(),
  available: nonNegativeInt(),
});
export const StockLow = z.object({ productId: id(), available: nonNegativeInt(), threshold: nonNegativeInt() });

/** Sent by other systems (a warehouse): goods arrived for a product. `reference` makes it traceable. */
export const GoodsReceived = z.object({
  productId: id(),
  quantity: positiveInt(),
  reference: z.string().check(z.minLength(1), z.maxLength(200)),
});

/** Every event type with its data schema and who emits it. */
export const EVENTS = {
  'io.stockflow.product.created': { data: Product, emitter: 'catalog' },
  'io.stockflow.product.updated': { data: Product, emitter: 'catalog' },
  'io.stockflow.product.archived': { data: Product, emitter: 'catalog' },
  'io.stockflow.order.placed': { data: OrderPlaced, emitter: 'orders' },
  'io.stockflow.order.confirmed': { data: OrderRef, emitter: 'orders' },
  'io.stockflow.order.rejected': { data: OrderRejected, emitter: 'orders' },
  'io.stockflow.order.cancelled': { data: OrderCancelled, emitter: 'orders' },
  'io.stockflow.order.shipped': { data: OrderRef, emitter: 'orders' },
  'io.stockflow.stock.reserved': { data: StockReserved, emitter: 'inventory' },
  'io.stockflow.stock.rejected': { data: StockRejected, emitter: 'inventory' },
  'io.stockflow.stock.released': { data: StockMoved, emitter: 'inventory' },
  'io.stockflow.stock.committed': { data: StockMoved, emitter: 'inventory' },
  'io.stockflow.stock.adjusted': { data: StockAdjusted, emitter: 'inventory' },
  'io.stockflow.stock.low': { data: StockLow, emitter: 'inventory' },
  'io.stockflow.goods.received': { data: GoodsReceived, emitter: 'external' },
} as const;

export type EventType = keyof typeof EVENTS;
export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]['data']>;

/** Type-checked type names: `type('order.placed')` is `'io.stockflow.order.placed'`. */
export const eventType = <S extends EventType extends `io.stockflow.${infer R}` ? R : never>(short: S) =>
  `io.stockflow.${short}` as `io.stockflow.${S}`;
