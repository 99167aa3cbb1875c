/**
 * @module The HTTP contract's bodies (docs/api.md) as schemas: what clients send to catalog and
 * orders, and the orders they get back. Request schemas trim text and drop unknown fields, so
 * server-owned fields (`id`, `status`, timestamps) can never come from a client.
 */
import * as z from 'zod/mini';
import { Address } from './address.ts';
import { Actor, CancelCause, OrderLine, OrderPlaced, Product, ReturnOutcome, Shortage } from './events.ts';

/** Text that must not be blank once trimmed. */
const text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

/** `POST /api/catalog/products`. */
export const NewProduct = z.object({
  sku: text(64),
  name: text(200),
  description: z.optional(z.string().check(z.trim(), z.maxLength(5000))),
  priceCents: Product.shape.priceCents,
  currency: Product.shape.currency,
  category: z.optional(text(100)),
  imageUrl: Product.shape.imageUrl,
});
export type NewProduct = z.infer<typeof NewProduct>;

/**
 * `PATCH /api/catalog/products/:id`: any field of NewProduct; `null` removes an optional one. A
 * `sku` is accepted only when it is the product's own (clients often send the product back whole).
 */
export const ProductChanges = z.object({
  sku: z.optional(text(64)),
  name: z.optional(NewProduct.shape.name),
  description: z.optional(z.nullable(z.string().check(z.trim(), z.maxLength(5000)))),
  priceCents: z.optional(Product.shape.priceCents),
  currency: z.optional(Product.shape.currency),
  category: z.optional(z.nullable(text(100))),
  imageUrl: z.optional(z.nullable(z.url())),
});
export type ProductChanges = z.infer<typeof ProductChanges>;

/**
 * pending (stock being reserved) → awaiting-payment (held until paid or expired) → confirmed (paid)
 * → partially-shipped → shipped → delivered; rejected (no stock) and cancelled are final.
 */
export const OrderStatus = z.enum([
  'pending',
  'awaiting-payment',
  'confirmed',
  'rejected',
  'cancelled',
  'partially-shipped',
  'shipped',
  'delivered',
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** The shopper: who to write to and where to deliver (personal data: never logged). */
export const Customer = z.object({ name: text(200), email: z.email(), address: Address });
export type Customer = z.infer<typeof Customer>;

/** `POST /api/orders`: each product at most once. */
export const PlaceOrder = z.object({
  items: z.array(OrderLine).check(
    z.minLength(1),
    z.maxLength(100),
    z.refine((lines) => new Set(lines.map((line) => line.productId)).size === lines.length, {
      message: 'each product may appear once',
    }),
  ),
  customer: Customer,
});
export type PlaceOrder = z.infer<typeof PlaceOrder>;

/** `POST /api/orders/:id/cancel`: the body is optional. */
export const CancelOrder = z.object({ reason: z.optional(text(500)) });
export type CancelOrder = z.infer<typeof CancelOrder>;

export const OrderItem = z.object({
  productId: Product.shape.id,
  name: Product.shape.name,
  quantity: OrderLine.shape.quantity,
  unitPriceCents: Product.shape.priceCents,
});
export type OrderItem = z.infer<typeof OrderItem>;

/** A step of the order's life: a status change, or (same status) a payment or return step in `reason`. */
export const TimelineEntry = z.object({
  status: OrderStatus,
  at: z.iso.datetime(),
  reason: z.optional(z.string()),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** A location id (warehouse, store): the same rules as product ids; `default` always exists. */
export const LocationId = Product.shape.id;
/** The location stock without one lives in: stock counted before locations existed is here. */
export const DEFAULT_LOCATION_ID = 'default';

/** An order's shipment from one location; its id is the location id. */
export const Shipment = z.object({
  id: z.string(),
  locationId: LocationId,
  lines: z.array(OrderLine),
  status: z.enum(['pending', 'shipped']),
  shippedAt: z.optional(z.iso.datetime()),
});
export type Shipment = z.infer<typeof Shipment>;

/**
 * The order's payment as orders knows it from payments' events: `requested` (the hosted step is
 * open at `checkoutUrl`), `authorized`, `declined` (with the provider's message for the shopper),
 * `captured`, `refunded` (all of it) or `partially-refunded`.
 */
export const PaymentStatus = z.enum([
  'requested',
  'authorized',
  'declined',
  'captured',
  'partially-refunded',
  'refunded',
]);
export type PaymentStatus = z.infer<typeof PaymentStatus>;
export const OrderPayment = z.object({
  paymentId: z.string(),
  status: PaymentStatus,
  checkoutUrl: z.optional(z.string()),
  expiresAt: z.optional(z.iso.datetime()),
  declineMessage: z.optional(z.string()),
  capturedCents: z.optional(z.int()),
  refundedCents: z.optional(z.int()),
});
export type OrderPayment = z.infer<typeof OrderPayment>;

/** requested (by the shopper) → received (at a location) → inspected → refunded. */
export const ReturnStatus = z.enum(['requested', 'received', 'inspected', 'refunded']);
export type ReturnStatus = z.infer<typeof ReturnStatus>;

/** A return of some lines of a delivered order. */
export const Return = z.object({
  id: z.string(),
  status: ReturnStatus,
  items: z.array(OrderLine),
  reason: z.optional(z.string()),
  locationId: z.optional(LocationId),
  /** Once inspected: what became of each returned line, and what is refunded. */
  lines: z.optional(
    z.array(
      z.object({ productId: Product.shape.id, quantity: OrderLine.shape.quantity, outcome: ReturnOutcome }),
    ),
  ),
  refundCents: z.optional(z.int()),
  requestedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Return = z.infer<typeof Return>;

/** `POST /api/orders/:id/returns` (the order's access): some delivered lines, each product at most once. */
export const RequestReturn = z.object({
  items: PlaceOrder.shape.items,
  reason: z.optional(text(500)),
});
export type RequestReturn = z.infer<typeof RequestReturn>;

/** `POST /api/orders/:id/returns/:returnId/receive` (clerk): where the parcel arrived. */
export const ReceiveReturn = z.object({ locationId: LocationId });
export type ReceiveReturn = z.infer<typeof ReceiveReturn>;

/** `POST /api/orders/:id/returns/:returnId/inspect` (clerk): every returned unit restocked or written off. */
export const InspectReturn = z.object({
  lines: z
    .array(
      z.object({ productId: Product.shape.id, quantity: OrderLine.shape.quantity, outcome: ReturnOutcome }),
    )
    .check(z.minLength(1), z.maxLength(200)),
});
export type InspectReturn = z.infer<typeof InspectReturn>;

/** An order as `GET /api/orders/:id` answers it (and the SSE stream sends it). */
export const Order = z.object({
  id: Product.shape.id,
  status: OrderStatus,
  items: z.array(OrderItem),
  totalCents: OrderPlaced.shape.totalCents,
  currency: Product.shape.currency,
  customer: Customer,
  timeline: z.array(TimelineEntry),
  shortages: z.optional(z.array(Shortage)),
  /** Once stock is reserved: one shipment per location holding some of it. */
  shipments: z.optional(z.array(Shipment)),
  /** While awaiting payment: when the hold on its stock expires and the order is cancelled. */
  holdExpiresAt: z.optional(z.iso.datetime()),
  /** Once payments asked the provider: where the shopper pays, and how the payment stands. */
  payment: z.optional(OrderPayment),
  cancelCause: z.optional(CancelCause),
  /** Once delivered: returns are accepted until `returnUntil`. */
  deliveredAt: z.optional(z.iso.datetime()),
  returnUntil: z.optional(z.iso.datetime()),
  returns: z.optional(z.array(Return)),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Order = z.infer<typeof Order>;

/** The 202 answer to `POST /api/orders`: `token` reads, streams and cancels this order. */
export const PlacedOrder = z.extend(
  z.pick(Order, { id: true, status: true, items: true, totalCents: true, currency: true }),
  {
    token: z.string(),
    /** When the token stops opening the order (ISO 8601; orders' `ORDER_TOKEN_TTL_DAYS`). */
    tokenExpiresAt: z.iso.datetime(),
  },
);
export type PlacedOrder = z.infer<typeof PlacedOrder>;

/**
 * The cookie that carries an order's token (HttpOnly, SameSite=Strict, `Path=/api/orders/<id>`),
 * set when the order is placed or its token is exchanged (`POST /api/orders/<id>/session`), so
 * that no token travels in a URL: the order page's EventSource cannot send headers.
 */
export const ORDER_TOKEN_COOKIE = 'order_token';

/** Every list answer: pass `nextCursor` back as `cursor` for the next page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Inventory across locations (issue 14): locations, stock per location, movements, transfers,
// counts, CSV imports. Admin routes under /api/inventory.
// ---------------------------------------------------------------------------------------------

const count = () => z.int().check(z.minimum(0));
const quantity = OrderLine.shape.quantity;

/** A warehouse or store holding stock. Lower `priority` is allocated first. Inactive: never allocated. */
export const Location = z.object({
  id: LocationId,
  name: text(200),
  priority: z.int().check(z.minimum(0), z.maximum(1_000_000)),
  active: z.boolean(),
});
export type Location = z.infer<typeof Location>;

/** `POST /api/inventory/locations`: `priority` defaults to 100, `active` to true. */
export const NewLocation = z.object({
  id: LocationId,
  name: Location.shape.name,
  priority: z.optional(Location.shape.priority),
  active: z.optional(z.boolean()),
});
export type NewLocation = z.infer<typeof NewLocation>;

/** `PATCH /api/inventory/locations/:id`: any of name, priority, active. */
export const LocationChanges = z.object({
  name: z.optional(Location.shape.name),
  priority: z.optional(Location.shape.priority),
  active: z.optional(z.boolean()),
});
export type LocationChanges = z.infer<typeof LocationChanges>;

/** One product's stock at one location (`available = onHand − reserved`). */
export const LocationStock = z.object({
  locationId: LocationId,
  onHand: count(),
  reserved: count(),
  available: count(),
  /** Dispatched by transfers towards this location, not yet received. */
  inTransit: count(),
  /** `available` at or below the product's threshold here. */
  low: z.boolean(),
});
export type LocationStock = z.infer<typeof LocationStock>;

/** `GET /api/inventory/stock/:productId` with the admin token (totals roll up the locations). */
export const StockLevel = z.object({
  productId: Product.shape.id,
  onHand: count(),
  reserved: count(),
  available: count(),
  inTransit: count(),
  lowStockThreshold: count(),
  low: z.boolean(),
  updatedAt: z.nullable(z.iso.datetime()),
  locations: z.array(LocationStock),
});
export type StockLevel = z.infer<typeof StockLevel>;

/** Why stock moved (a movement's `reason`). */
export const MovementReason = z.enum([
  'received',
  'sold',
  'adjusted',
  'damaged',
  'counted',
  'transfer',
  'returned',
]);
export type MovementReason = z.infer<typeof MovementReason>;

/** Who changed stock: a person (the staff member's subject and name) or a system (a function, by name). */
export const MovementActor = z.union([
  Actor,
  z.object({ system: z.string().check(z.minLength(1), z.maxLength(200)) }),
]);
export type MovementActor = z.infer<typeof MovementActor>;

/**
 * `POST /api/inventory/stock/:productId/adjustments`: `locationId` absent means the default
 * location; `kind` (default `adjusted`) is the movement's reason, `reason` the free-text note.
 */
export const StockAdjustment = z.object({
  delta: z.int().check(
    z.minimum(-1_000_000_000),
    z.maximum(1_000_000_000),
    z.refine((delta) => delta !== 0, 'must not be 0'),
  ),
  reason: text(500),
  locationId: z.optional(LocationId),
  kind: z.optional(z.enum(['adjusted', 'damaged', 'returned', 'received'])),
});
export type StockAdjustment = z.infer<typeof StockAdjustment>;

/** `POST /api/inventory/stock/:productId/counts`: a cycle count; the difference is a `counted` movement. */
export const StockCount = z.object({
  counted: z.int().check(z.minimum(0), z.maximum(1_000_000_000)),
  locationId: z.optional(LocationId),
  note: z.optional(text(500)),
});
export type StockCount = z.infer<typeof StockCount>;

/** One change of one product's `onHand` at one location: the audit trail. */
export const Movement = z.object({
  id: z.string(),
  productId: Product.shape.id,
  locationId: LocationId,
  delta: z.int(),
  reason: MovementReason,
  /** onHand at the location before and after. */
  before: count(),
  after: count(),
  /** The order, transfer, goods receipt, import or count it came from. */
  reference: z.optional(z.string()),
  note: z.optional(z.string()),
  actor: MovementActor,
  at: z.iso.datetime(),
});
export type Movement = z.infer<typeof Movement>;

/** `GET /api/inventory/movements` query: newest first; `since` an ISO time (inclusive). */
export const MovementQuery = z.object({
  productId: z.optional(Product.shape.id),
  locationId: z.optional(LocationId),
  since: z.optional(z.iso.datetime()),
  limit: z.optional(z.string()),
  cursor: z.optional(z.string().check(z.maxLength(1000))),
});
export type MovementQuery = z.input<typeof MovementQuery>;

export const TransferLine = z.object({ productId: Product.shape.id, quantity });
export type TransferLine = z.infer<typeof TransferLine>;

/** `POST /api/inventory/transfers`: each product at most once, `from` ≠ `to`. */
export const NewTransfer = z.object({
  from: LocationId,
  to: LocationId,
  lines: z.array(TransferLine).check(
    z.minLength(1),
    z.maxLength(100),
    z.refine((lines) => new Set(lines.map((line) => line.productId)).size === lines.length, {
      message: 'each product may appear once',
    }),
  ),
  note: z.optional(text(500)),
});
export type NewTransfer = z.infer<typeof NewTransfer>;

/**
 * `POST /api/inventory/transfers/:id/receive`: what arrived per product (absent: all as
 * dispatched; a product left out of `lines` arrived as dispatched); `reason` is required when a
 * quantity differs from the dispatched one.
 */
export const ReceiveTransfer = z.object({
  lines: z.optional(
    z.array(z.object({ productId: Product.shape.id, quantity: count() })).check(z.maxLength(100)),
  ),
  reason: z.optional(text(500)),
});
export type ReceiveTransfer = z.infer<typeof ReceiveTransfer>;

export const TransferState = z.enum(['requested', 'dispatched', 'received', 'cancelled']);
export type TransferState = z.infer<typeof TransferState>;

/** A received quantity that differs from the dispatched one. */
export const TransferDiscrepancy = z.object({
  productId: Product.shape.id,
  dispatched: count(),
  received: count(),
  reason: z.string(),
});

export const Transfer = z.object({
  id: z.string(),
  from: LocationId,
  to: LocationId,
  lines: z.array(TransferLine),
  state: TransferState,
  /** What arrived (set when received). */
  received: z.optional(z.array(z.object({ productId: Product.shape.id, quantity: count() }))),
  discrepancies: z.array(TransferDiscrepancy),
  note: z.optional(z.string()),
  /** When each state was reached, and by whom. */
  history: z.array(z.object({ state: TransferState, at: z.iso.datetime(), actor: MovementActor })),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Transfer = z.infer<typeof Transfer>;

/** `GET /api/inventory/reorder`: products whose available plus in-transit stock is at or below threshold. */
export const ReorderEntry = z.object({
  productId: Product.shape.id,
  available: count(),
  inTransit: count(),
  lowStockThreshold: count(),
  /** Units to bring `available + inTransit` back above the threshold. */
  suggested: count(),
  /** The locations low on their own. */
  lowAt: z.array(LocationId),
});
export type ReorderEntry = z.infer<typeof ReorderEntry>;

/** What every CSV import answers besides its rows: the file, and whether it was applied now or before. */
const importOutcome = {
  fileHash: z.string(),
  dryRun: z.boolean(),
  applied: z.boolean(),
  alreadyApplied: z.boolean(),
};
/** Every error of an imported file with its line (1 is the header; 0 the file as a whole). */
const importErrors = z.array(z.object({ line: z.int(), message: z.string() }));

/**
 * The answer to `POST /api/inventory/imports?dryRun=true|false` (body `text/csv` with the header
 * `productId,locationId,counted`; an empty locationId is the default location). Lines count from
 * 1 at the header. A file with any error applies nothing. Applying the same file again (same
 * SHA-256) changes nothing and answers `alreadyApplied: true`.
 */
export const ImportResult = z.object({
  ...importOutcome,
  rows: z.array(
    z.object({
      line: z.int(),
      productId: Product.shape.id,
      locationId: LocationId,
      before: count(),
      after: count(),
      delta: z.int(),
    }),
  ),
  errors: importErrors,
});
export type ImportResult = z.infer<typeof ImportResult>;
/** What notifications tells the shopper about. */
export const MessageKind = z.enum(['confirmed', 'shipped', 'cancelled', 'refunded']);
export type MessageKind = z.infer<typeof MessageKind>;

/**
 * waiting: for the order's contact (order.placed); pending: due or being retried; sent: the SMTP
 * server accepted it; failed: given up after its last attempt; unaddressed: no contact known.
 */
export const MessageStatus = z.enum(['waiting', 'pending', 'sent', 'failed', 'unaddressed']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** The columns of a products import; `sku,name,priceCents,currency` are required, in any order. */
export const PRODUCT_IMPORT_COLUMNS = [
  'sku',
  'name',
  'priceCents',
  'currency',
  'category',
  'description',
  'imageUrl',
  'status',
] as const;
export type ProductImportColumn = (typeof PRODUCT_IMPORT_COLUMNS)[number];

/** A field's value before and after a row of a products import (absent: the product has none). */
const FieldChange = z.object({
  before: z.optional(z.union([z.string(), z.int()])),
  after: z.optional(z.union([z.string(), z.int()])),
});

/**
 * The answer to `POST /api/catalog/imports?dryRun=true|false` (body `text/csv`, a header naming
 * PRODUCT_IMPORT_COLUMNS). A row whose sku exists updates that product, otherwise it creates one;
 * `fields` holds what the row changes. Lines count from 1 at the header. A file with any error
 * applies nothing. Applying the same file again (same SHA-256) changes nothing and answers
 * `alreadyApplied: true`.
 */
export const ProductImportResult = z.object({
  ...importOutcome,
  rows: z.array(
    z.object({
      line: z.int(),
      sku: Product.shape.sku,
      /** The product the row updates; for a created one, known once applied. */
      productId: z.optional(Product.shape.id),
      change: z.enum(['create', 'update', 'unchanged']),
      fields: z.record(z.string(), FieldChange),
    }),
  ),
  errors: importErrors,
});
export type ProductImportResult = z.infer<typeof ProductImportResult>;
