/**
 * @module Stockflow's CloudEvents: every type we emit or consume, `io.stockflow.<entity>.<verb>`,
 * with its data schema. Event data are past-tense facts; an event's `subject` is the id of the
 * entity it is about (a product id, or an order id for everything in the order saga).
 */
import * as z from 'zod/mini';

/**
 * Ids of products and orders. They name Firestore documents in every database that keeps them, so
 * they exclude what a document id cannot be (`/`, `.`, `..`, `__…__`).
 */
const id = () =>
  z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'letters, digits, _ . : - (at most 128)'));
const positiveInt = () => z.int().check(z.minimum(1), z.maximum(1_000_000));
const nonNegativeInt = () => z.int().check(z.minimum(0));
const currency = () => z.string().check(z.regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'));

export const ProductStatus = z.enum(['active', 'archived']);

/**
 * Staff roles, each allowed what the one before it is: `viewer` reads everything admin, `clerk` also
 * moves stock (adjustments, receiving, shipping, cancelling), `manager` also keeps the catalog and
 * prices, dead letters and replays, and staff roles.
 */
export const STAFF_ROLES = ['viewer', 'clerk', 'manager'] as const;
export const StaffRole = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof StaffRole>;

/**
 * Who made an admin change: the signed-in person's subject (the identity provider's `sub`, or
 * `break-glass` for the shared admin token) and display name. Optional in every event that may carry
 * it (added in a compatible way: older events have none, older consumers ignore it).
 */
export const Actor = z.object({
  subject: z.string().check(z.minLength(1), z.maxLength(256)),
  name: z.string().check(z.minLength(1), z.maxLength(200)),
});
export type Actor = z.infer<typeof Actor>;
const withActor = { actor: z.optional(Actor) };

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

/** A product event's data: the product, and who changed it. */
export const ProductEventData = z.extend(Product, withActor);

export const OrderLine = z.object({ productId: id(), quantity: positiveInt() });
export type OrderLine = z.infer<typeof OrderLine>;

export const PricedOrderLine = z.object({
  productId: id(),
  quantity: positiveInt(),
  unitPriceCents: nonNegativeInt(),
  /** Added for notifications: the product's name when ordered (absent in older events). */
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

/** Who placed an order and where to write to them (personal data: never logged). */
export const Contact = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  email: z.email(),
});
export type Contact = z.infer<typeof Contact>;

export const Shortage = z.object({ productId: id(), requested: positiveInt(), available: nonNegativeInt() });
export type Shortage = z.infer<typeof Shortage>;

export const OrderPlaced = z.object({
  orderId: id(),
  items: z.array(PricedOrderLine).check(z.minLength(1), z.maxLength(100)),
  currency: currency(),
  totalCents: nonNegativeInt(),
  /** Added for notifications: the shopper's contact (absent in events placed before it). */
  customer: z.optional(Contact),
});
export const OrderRef = z.object({ orderId: id() });
/**
 * Version 2 adds `shipmentId`: the last shipment, when shipping it one by one completed the order
 * (its own `shipment.shipped` says what left). Absent: the order shipped whole.
 */
export const OrderShipped = z.object({ orderId: id(), shipmentId: z.optional(id()), ...withActor });
export const OrderRejected = z.object({ orderId: id(), shortages: z.array(Shortage) });
export const OrderCancelled = z.object({
  orderId: id(),
  reason: z.optional(z.string().check(z.maxLength(500))),
  ...withActor,
});

/** Which location holds how much of a product for an order (a line may be split over locations). */
export const Allocation = z.object({ productId: id(), locationId: id(), quantity: positiveInt() });
export type Allocation = z.infer<typeof Allocation>;

/** Version 2 adds `allocations` (absent from version 1 senders: all held in the default location). */
export const StockReserved = z.object({
  orderId: id(),
  items: z.array(OrderLine),
  allocations: z.optional(z.array(Allocation)),
});
export const StockRejected = z.object({ orderId: id(), shortages: z.array(Shortage) });
/** Version 2 adds `locationId` to `stock.committed` for one shipment (absent: the whole order). */
export const StockMoved = z.object({
  orderId: id(),
  items: z.array(OrderLine),
  locationId: z.optional(id()),
  shipmentId: z.optional(id()),
});
/** Orders shipped one shipment of an order: the lines held at one location. */
export const ShipmentShipped = z.object({
  orderId: id(),
  shipmentId: id(),
  locationId: id(),
  items: z.array(OrderLine).check(z.minLength(1), z.maxLength(100)),
  ...withActor,
});
export const StockLevels = z.object({
  productId: id(),
  onHand: nonNegativeInt(),
  reserved: nonNegativeInt(),
  available: nonNegativeInt(),
});
/** Version 2 adds `locationId` (where onHand moved; the levels stay the product's totals). */
export const StockAdjusted = z.object({
  productId: id(),
  locationId: z.optional(id()),
  delta: z.int(),
  reason: z.string().check(z.minLength(1), z.maxLength(500)),
  onHand: nonNegativeInt(),
  reserved: nonNegativeInt(),
  available: nonNegativeInt(),
  ...withActor,
});
export const StockLow = z.object({
  productId: id(),
  available: nonNegativeInt(),
  threshold: nonNegativeInt(),
});

/**
 * Sent by other systems (a warehouse): goods arrived for a product. `reference` makes it traceable.
 * Version 2 adds `locationId` (absent, as from version 1 senders: the default location).
 */
export const GoodsReceived = z.object({
  productId: id(),
  locationId: z.optional(id()),
  quantity: positiveInt(),
  reference: z.string().check(z.minLength(1), z.maxLength(200)),
});

/** The functions that publish events to the broker, each as its own identity (its SinkBinding). */
export const PUBLISHERS = ['catalog', 'inventory', 'orders', 'ledger'] as const;
export type Publisher = (typeof PUBLISHERS)[number];

/**
 * Other systems allowed to send events to the broker, each with its own identity (a Kubernetes
 * ServiceAccount of that name) and the prefix its events' `source` must carry: the broker's policy
 * binds that source to the identity, so a consumer may trust a partner's `source`.
 */
export const PARTNERS = {
  warehouse: { sourcePrefix: '/partners/warehouse' },
} as const;
export type Partner = keyof typeof PARTNERS;

export type Producer = Publisher | Partner;

/**
 * Every event type with its data schema, its one producer (a function, whose events carry the source
 * `/<function>`, or a partner system) and what it says. `docs/events.md`, the broker's EventPolicies
 * and EventTypes are generated from this (`npm run docs:events`, `npm run generate`).
 */
export const EVENTS = {
  'io.stockflow.product.created': {
    data: ProductEventData,
    producer: 'catalog',
    description: 'A product was added to the catalog. Data: the product (version 1).',
  },
  'io.stockflow.product.updated': {
    data: ProductEventData,
    producer: 'catalog',
    description: 'A product changed (name, price, ...). Data: the whole product; keep the highest version.',
  },
  'io.stockflow.product.archived': {
    data: ProductEventData,
    producer: 'catalog',
    description: 'A product was withdrawn from sale: no new orders for it. Data: the product, archived.',
  },
  'io.stockflow.order.placed': {
    data: OrderPlaced,
    producer: 'orders',
    description:
      'An order was placed and awaits stock: inventory reserves every line or none. Added (optional, ' +
      "absent in older events): `customer` {name, email}, the shopper to write to, and each line's " +
      '`name`; consumers other than notifications ignore them.',
  },
  'io.stockflow.order.confirmed': {
    data: OrderRef,
    producer: 'orders',
    description: 'Every line of the order is reserved; the order can be shipped.',
  },
  'io.stockflow.order.rejected': {
    data: OrderRejected,
    producer: 'orders',
    description: 'The order could not be reserved; `shortages` says which lines lacked stock.',
  },
  'io.stockflow.order.cancelled': {
    data: OrderCancelled,
    producer: 'orders',
    description:
      'The order was cancelled (before or after its reservation). Final: the order never comes back, ' +
      'so whatever is or will be reserved for it must be released.',
  },
  'io.stockflow.order.shipped': {
    data: OrderShipped,
    producer: 'orders',
    version: 2,
    description:
      'The order left the warehouse: its reservation becomes a stock movement. Version 2: ' +
      '`shipmentId` names the last shipment when shipping them one by one completed the order ' +
      '(that shipment is in its own `shipment.shipped`); absent, the order shipped whole.',
  },
  'io.stockflow.shipment.shipped': {
    data: ShipmentShipped,
    producer: 'orders',
    version: 1,
    description:
      "One shipment of an order left its location: inventory commits that location's reserved lines. " +
      'The order is `partially-shipped` until every shipment is shipped (then `order.shipped` follows).',
  },
  'io.stockflow.stock.reserved': {
    data: StockReserved,
    producer: 'inventory',
    version: 2,
    description:
      'Stock for every line of an order was reserved, all in one transaction. Version 2: ' +
      '`allocations` says which location holds how much of each line (one shipment per location); ' +
      'without it (version 1) everything is held in the default location.',
  },
  'io.stockflow.stock.rejected': {
    data: StockRejected,
    producer: 'inventory',
    description: 'An order could not be reserved; nothing was reserved for it.',
  },
  'io.stockflow.stock.released': {
    data: StockMoved,
    producer: 'inventory',
    description: "An order's reservation was given back to available stock (the order was cancelled).",
  },
  'io.stockflow.stock.committed': {
    data: StockMoved,
    producer: 'inventory',
    version: 2,
    description:
      "An order's reservation left stock on hand (the order, or with version 2's `locationId` and " +
      '`shipmentId` one shipment of it, was shipped).',
  },
  'io.stockflow.stock.adjusted': {
    data: StockAdjusted,
    producer: 'inventory',
    version: 2,
    description:
      "A product's stock on hand was corrected or goods arrived; data carries the product's new levels " +
      '(version 2: `locationId` names where onHand moved).',
  },
  'io.stockflow.stock.low': {
    data: StockLow,
    producer: 'inventory',
    description: "A product's available stock fell to or below its low-stock threshold.",
  },
  'io.stockflow.goods.received': {
    data: GoodsReceived,
    producer: 'warehouse',
    version: 2,
    description:
      'Sent by a warehouse or supplier: goods for a product arrived and add to stock on hand. Version 2: ' +
      '`locationId` says where; version 1 senders (no `locationId`) keep working: the default location.',
  },
} as const satisfies Record<
  string,
  {
    data: z.ZodMiniType;
    producer: Producer;
    description: string;
    /** The data's version: a new version only adds optional fields, so older senders stay valid. */
    version?: number;
  }
>;

export type EventType = keyof typeof EVENTS;

export const isPartner = (producer: string): producer is Partner => Object.hasOwn(PARTNERS, producer);

/** The producer of a type, or undefined when the type is not one of ours. */
export function producerOf(type: string): Producer | undefined {
  return Object.hasOwn(EVENTS, type) ? EVENTS[type as EventType].producer : undefined;
}

/**
 * Whether `source` is one the type's producer may use: `/<function>` for a function's types, the
 * partner's prefix for a partner's. False for types that are not ours.
 */
export function isProducerSource(type: string, source: string): boolean {
  const producer = producerOf(type);
  if (!producer) return false;
  if (!isPartner(producer)) return source === `/${producer}`;
  const prefix = PARTNERS[producer].sourcePrefix;
  return source === prefix || source.startsWith(`${prefix}/`);
}
export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]['data']>;

/** Type-checked type names: `type('order.placed')` is `'io.stockflow.order.placed'`. */
export const eventType = <S extends EventType extends `io.stockflow.${infer R}` ? R : never>(short: S) =>
  `io.stockflow.${short}` as `io.stockflow.${S}`;
