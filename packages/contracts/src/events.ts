/**
 * @module Stockflow's CloudEvents: every type we emit or consume, `io.stockflow.<entity>.<verb>`,
 * with its data schema. Event data are past-tense facts; an event's `subject` is the id of the
 * entity it is about (a product id, or an order id for everything in the order saga).
 */
import * as z from 'zod/mini';
import type { FunctionName } from './functions.ts';
import { STAFF_ROLES } from './staff-roles.ts';

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

export { STAFF_ROLES };
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
/**
 * Why an order was cancelled, for consumers that act on it (payments refunds or voids; notifications
 * words its message): by the shopper, by staff, the payment declined, or its hold expired unpaid.
 */
export const CancelCause = z.enum(['customer', 'staff', 'payment-declined', 'payment-expired']);
export type CancelCause = z.infer<typeof CancelCause>;

/** Version 2 adds `cause` (absent from version 1 senders: the shopper or staff, see `reason`). */
export const OrderCancelled = z.object({
  orderId: id(),
  reason: z.optional(z.string().check(z.maxLength(500))),
  cause: z.optional(CancelCause),
  ...withActor,
});

/** Stock is held for the order until `holdExpiresAt`: the shopper must pay before then. */
export const OrderAwaitingPayment = z.object({
  orderId: id(),
  totalCents: nonNegativeInt(),
  currency: currency(),
  holdExpiresAt: z.iso.datetime(),
});

/** The order reached the shopper; returns are accepted until `returnUntil`. */
export const OrderDelivered = z.object({ orderId: id(), returnUntil: z.iso.datetime(), ...withActor });

/** A payment's id at the provider (opaque to us). */
const paymentId = () => z.string().check(z.minLength(1), z.maxLength(200));

/** The provider opened its hosted payment step for the order: send the shopper to `checkoutUrl`. */
export const PaymentRequested = z.object({
  orderId: id(),
  paymentId: paymentId(),
  checkoutUrl: z.url({ protocol: /^https?$/ }),
  amountCents: nonNegativeInt(),
  currency: currency(),
  expiresAt: z.iso.datetime(),
});
/** Money moved or was promised: authorized (held on the card), captured (taken) or refunded. */
export const PaymentAmount = z.object({
  orderId: id(),
  paymentId: paymentId(),
  amountCents: nonNegativeInt(),
  currency: currency(),
});
/** The provider refused the payment; `code` is machine-readable, `message` fit to show the shopper. */
export const PaymentDeclined = z.object({
  orderId: id(),
  paymentId: paymentId(),
  code: z.string().check(z.minLength(1), z.maxLength(100)),
  message: z.string().check(z.minLength(1), z.maxLength(500)),
});
/** Why money went back: a return, a cancelled order, or an authorization that came after expiry. */
export const RefundCause = z.enum(['return', 'cancelled', 'late-authorization']);
export const PaymentRefunded = z.extend(PaymentAmount, {
  cause: RefundCause,
  /** The return it refunds (cause `return`). */
  returnId: z.optional(id()),
});

/** What became of one returned line when staff inspected it. */
export const ReturnOutcome = z.enum(['restocked', 'written-off']);
export type ReturnOutcome = z.infer<typeof ReturnOutcome>;

/** The shopper asked to send back some lines of a delivered order. */
export const ReturnRequested = z.object({
  orderId: id(),
  returnId: id(),
  items: z.array(OrderLine).check(z.minLength(1), z.maxLength(100)),
  reason: z.optional(z.string().check(z.maxLength(500))),
});
/** The returned parcel arrived at a location (not yet inspected). */
export const ReturnReceived = z.object({ orderId: id(), returnId: id(), locationId: id(), ...withActor });
/**
 * Staff inspected the returned lines at `locationId`: `restocked` goods go back on hand there (a
 * `returned` movement), `written-off` ones do not; `refundCents` is what the shopper gets back.
 */
export const ReturnInspected = z.object({
  orderId: id(),
  returnId: id(),
  locationId: id(),
  lines: z
    .array(z.object({ productId: id(), quantity: positiveInt(), outcome: ReturnOutcome }))
    .check(z.minLength(1), z.maxLength(200)),
  refundCents: nonNegativeInt(),
  currency: currency(),
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
export const PUBLISHERS = [
  'catalog',
  'inventory',
  'orders',
  'payments',
  'ledger',
] as const satisfies readonly FunctionName[];
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
 * `/<function>`, or a partner system) and what it says. `docs/events.md`, `docs/asyncapi.json`, the
 * broker's EventPolicies and EventTypes are generated from this (`npm run docs:events`, `npm run generate`).
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
  'io.stockflow.order.awaiting-payment': {
    data: OrderAwaitingPayment,
    producer: 'orders',
    description:
      "Every line is reserved and held until `holdExpiresAt` (orders' `PAYMENT_HOLD_SECONDS`): " +
      "payments opens the provider's hosted step for `totalCents`.",
  },
  'io.stockflow.order.confirmed': {
    data: OrderRef,
    producer: 'orders',
    description: 'The order is reserved and its payment authorized; the order can be shipped.',
  },
  'io.stockflow.order.delivered': {
    data: OrderDelivered,
    producer: 'orders',
    description: 'The order reached the shopper; lines may be returned until `returnUntil`.',
  },
  'io.stockflow.order.rejected': {
    data: OrderRejected,
    producer: 'orders',
    description: 'The order could not be reserved; `shortages` says which lines lacked stock.',
  },
  'io.stockflow.order.cancelled': {
    data: OrderCancelled,
    producer: 'orders',
    version: 2,
    description:
      'The order was cancelled (before or after its reservation). Final: the order never comes back, ' +
      'so whatever is or will be reserved for it must be released, and any payment for it refunded. ' +
      'Version 2: `cause` is customer, staff, payment-declined or payment-expired (the hold ran out).',
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
  'io.stockflow.payment.requested': {
    data: PaymentRequested,
    producer: 'payments',
    description:
      "The provider's hosted payment step is open for the order until `expiresAt`: the shop sends " +
      'the shopper to `checkoutUrl` (card data never reach Stockflow).',
  },
  'io.stockflow.payment.authorized': {
    data: PaymentAmount,
    producer: 'payments',
    description: 'The provider authorized the amount (held, not yet taken): the order is confirmed.',
  },
  'io.stockflow.payment.declined': {
    data: PaymentDeclined,
    producer: 'payments',
    description: 'The provider declined the payment: the order is cancelled and its stock released.',
  },
  'io.stockflow.payment.captured': {
    data: PaymentAmount,
    producer: 'payments',
    description: 'The authorized amount was taken (when the order, or its first shipment, shipped).',
  },
  'io.stockflow.payment.refunded': {
    data: PaymentRefunded,
    producer: 'payments',
    description:
      'Money went back to the shopper: for a return (`returnId`), a cancelled order, or an ' +
      'authorization that arrived after the order had expired.',
  },
  'io.stockflow.return.requested': {
    data: ReturnRequested,
    producer: 'orders',
    description: 'The shopper asked to return some lines of a delivered order.',
  },
  'io.stockflow.return.received': {
    data: ReturnReceived,
    producer: 'orders',
    description: 'The returned goods arrived at a location, to be inspected.',
  },
  'io.stockflow.return.inspected': {
    data: ReturnInspected,
    producer: 'orders',
    description:
      'Staff inspected a return: restocked lines go back on hand at `locationId` (inventory), ' +
      'written-off ones do not; payments refunds `refundCents`.',
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
