/**
 * @module The HTTP bodies api.ts does not hold: list pages, query strings, the answers of
 * inventory, payments, notifications and the ledger, web's staff routes and problem details. Kept
 * apart so that the SPA, which imports only their types, bundles none of it (`sideEffects: false`).
 */
import * as z from 'zod/mini';
import {
  MessageKind,
  MessageStatus,
  MovementQuery,
  OrderStatus,
  PaymentStatus,
  Return,
  ReturnStatus,
  TransferState,
} from './api.ts';
import { Actor, CancelCause, Product, StaffRole, StockLow } from './events.ts';

/** A `limit` parameter: an integer 1..max, `fallback` when absent. */
export function pageLimit({ max = 100, fallback = 24 } = {}) {
  return z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(max)), fallback);
}

/** A cursor handed out as a page's `nextCursor`. */
const cursor = () => z.optional(z.string().check(z.maxLength(1000)));

/** Every paged list answer: pass `nextCursor` back as `cursor` for the next page (null: the end). */
export const pageOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.nullable(z.string()) });
/** A list answered whole (a handful of items: not paged). */
export const itemsOf = <T extends z.ZodMiniType>(item: T) => z.object({ items: z.array(item) });

/** An RFC 9457 problem as every function and web answer a refusal (`application/problem+json`). */
export const ProblemDetails = z.looseObject({
  type: z.optional(z.string()),
  title: z.string(),
  status: z.int(),
  detail: z.optional(z.string()),
  instance: z.optional(z.string()),
  /** A 400's field problems: the path of each (`customer.email`) and what is wrong. */
  errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

/** `?dryRun=true|false` of a CSV import: a dry run (the default) changes nothing. */
export const ImportQuery = z.object({ dryRun: z._default(z.enum(['true', 'false']), 'true') });

// catalog

/** `GET /api/catalog/products`: `q` a prefix of the name, of a word of it, or of the sku. */
export const ProductQuery = z.object({
  q: z.optional(z.string().check(z.maxLength(200))),
  category: z.optional(z.string().check(z.maxLength(100))),
  limit: pageLimit(),
  cursor: cursor(),
});
export type ProductQuery = z.input<typeof ProductQuery>;

// inventory

/** The most product ids one `GET /api/inventory/stock?ids=` names. */
export const MAX_STOCK_IDS = 100;

/** `GET /api/inventory/stock`: `ids` (anyone) or the staff's list, `low=true` for low ones only. */
export const StockQuery = z.object({
  // MAX_STOCK_IDS ids of at most 128 characters, with their commas.
  ids: z.optional(z.string().check(z.maxLength(MAX_STOCK_IDS * 129))),
  low: z.optional(z.enum(['true', 'false'])),
  limit: pageLimit({ max: 100, fallback: 50 }),
  cursor: cursor(),
});
export type StockQuery = z.input<typeof StockQuery>;

/** What a shopper may see of a product's stock. */
export const Availability = z.object({ productId: Product.shape.id, available: StockLow.shape.available });
export type Availability = z.infer<typeof Availability>;

/** `PATCH /api/inventory/stock/:productId`. */
export const StockSettings = z.object({
  // A schema of its own: zod mini's `.check` on StockLow's field would change StockLow itself.
  lowStockThreshold: z.int().check(z.minimum(0), z.maximum(1_000_000_000)),
});
export type StockSettings = z.infer<typeof StockSettings>;

/** `GET /api/inventory/movements` and its CSV export, with its page size (1..500, default 100). */
export const MovementListQuery = z.extend(MovementQuery, { limit: pageLimit({ max: 500, fallback: 100 }) });
export type MovementListQuery = z.input<typeof MovementListQuery>;

/** `GET /api/inventory/transfers`, newest first. */
export const TransferQuery = z.object({
  state: z.optional(TransferState),
  limit: pageLimit({ max: 100, fallback: 50 }),
  cursor: cursor(),
});
export type TransferQuery = z.input<typeof TransferQuery>;

// orders

/** A list's query: an optional status, a page size and where to continue. */
const statusQuery = <S extends z.ZodMiniType>(status: S) =>
  z.object({ status: z.optional(status), limit: pageLimit(), cursor: cursor() });
/** `GET /api/orders`, newest first. */
export const OrderQuery = statusQuery(OrderStatus);
export type OrderQuery = z.input<typeof OrderQuery>;
/** `GET /api/orders/returns`, newest request first. */
export const ReturnQuery = statusQuery(ReturnStatus);
export type ReturnQuery = z.input<typeof ReturnQuery>;

/** A return as the returns list answers it: the return and the order it belongs to. */
export const OrderReturn = z.extend(Return, { orderId: Product.shape.id });
export type OrderReturn = z.infer<typeof OrderReturn>;

// payments

/**
 * A capture, a refund or a reconcile (a cancelled order's payment no webhook answered, looked up at
 * the provider) at the provider, as staff see it.
 */
export const PaymentJob = z.object({
  id: z.string(),
  kind: z.enum(['capture', 'refund', 'reconcile']),
  amountCents: z.int(),
  currency: Product.shape.currency,
  cause: z.nullable(z.enum(['return', 'cancelled', 'late-authorization'])),
  returnId: z.nullable(z.string()),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.int(),
  lastError: z.nullable(z.string()),
  nextAttemptAt: z.nullable(z.iso.datetime()),
  createdAt: z.iso.datetime(),
  doneAt: z.nullable(z.iso.datetime()),
  /** What a done reconcile found: never paid, or paid (then refunded), or declined. */
  outcome: z.nullable(z.enum(['undecided', 'authorized', 'declined'])),
});
export type PaymentJob = z.infer<typeof PaymentJob>;

/** `GET /api/payments/payments/:orderId`: the order's payment as payments keeps it, with its jobs. */
export const PaymentView = z.object({
  orderId: Product.shape.id,
  paymentId: z.nullable(z.string()),
  sessionId: z.nullable(z.string()),
  checkoutUrl: z.nullable(z.string()),
  expiresAt: z.nullable(z.iso.datetime()),
  amountCents: z.int(),
  currency: Product.shape.currency,
  /** `pending` until the provider's checkout is known. */
  status: z.union([PaymentStatus, z.literal('pending')]),
  authorizedCents: z.int(),
  capturedCents: z.int(),
  refundedCents: z.int(),
  refundPromisedCents: z.int(),
  decline: z.nullable(z.object({ code: z.string(), message: z.string() })),
  cancelled: z.nullable(z.object({ cause: z.nullable(CancelCause) })),
  captureWanted: z.boolean(),
  /** Return refunds that wait for the capture (the return overtook the order's shipped events). */
  returnsAwaitingCapture: z.optional(z.array(z.object({ returnId: z.string(), amountCents: z.int() }))),
  updatedAt: z.nullable(z.iso.datetime()),
  jobs: z.array(PaymentJob),
});
export type PaymentView = z.infer<typeof PaymentView>;

/** The answer to a provider's webhook: applied now, or a repeat of one applied before. */
export const WebhookReceipt = z.object({ received: z.literal(true), duplicate: z.boolean() });

// notifications

/** `GET /api/notifications/messages?orderId=`. */
export const MessagesQuery = z.object({
  orderId: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'an order id')),
});

/** An email to the shopper, as `GET /api/notifications/messages?orderId=` lists it. */
export const OrderMessage = z.object({
  id: z.string(),
  orderId: z.string(),
  kind: MessageKind,
  status: MessageStatus,
  to: z.nullable(z.string()),
  subject: z.nullable(z.string()),
  text: z.nullable(z.string()),
  attempts: z.int(),
  lastError: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
  sentAt: z.nullable(z.iso.datetime()),
});
export type OrderMessage = z.infer<typeof OrderMessage>;

// ledger

const attribute = () => z.optional(z.string().check(z.minLength(1), z.maxLength(500)));
/** Exact matches on the event's attributes (the log and its live stream). */
export const LedgerEventFilter = z.object({ type: attribute(), subject: attribute(), source: attribute() });
export type LedgerEventFilter = z.infer<typeof LedgerEventFilter>;
/** `GET /api/ledger/events`: `since` an ISO time (recorded at or after). */
export const LedgerEventQuery = z.extend(LedgerEventFilter, {
  since: z.optional(z.iso.datetime({ offset: true })),
  limit: pageLimit({ fallback: 50 }),
  cursor: cursor(),
});
export type LedgerEventQuery = z.input<typeof LedgerEventQuery>;

export const DeadLetterStatus = z.enum(['dead', 'replayed']);
export type DeadLetterStatus = z.infer<typeof DeadLetterStatus>;
/** `GET /api/ledger/dead-letters`, latest failure first. */
export const DeadLetterQuery = z.object({
  status: z.optional(DeadLetterStatus),
  limit: pageLimit({ fallback: 50 }),
  cursor: cursor(),
});
export type DeadLetterQuery = z.input<typeof DeadLetterQuery>;

/** A CloudEvent as the ledger received it: its context attributes, extensions and data. */
export const CloudEventRecord = z.looseObject({
  specversion: z.string(),
  id: z.string(),
  source: z.string(),
  type: z.string(),
  time: z.optional(z.string()),
  subject: z.optional(z.string()),
  datacontenttype: z.optional(z.string()),
  data: z.optional(z.unknown()),
});
export type CloudEventRecord = z.infer<typeof CloudEventRecord>;

/** An event in the ledger: `id` is the ledger's own key, `event` the CloudEvent as received. */
export const LedgerEvent = z.object({
  id: z.string(),
  recordedAt: z.iso.datetime(),
  event: CloudEventRecord,
});
export type LedgerEvent = z.infer<typeof LedgerEvent>;

/** An event Knative gave up delivering to one destination, and what became of it. */
export const DeadLetter = z.object({
  id: z.string(),
  status: DeadLetterStatus,
  /** Where delivery failed (Knative's `knativeerrordest`). */
  destination: z.nullable(z.string()),
  /** The destination's last HTTP status; null when it never answered. */
  errorCode: z.nullable(z.int()),
  /** The destination's last answer as text (`base64:…` when it was not UTF-8); null when empty. */
  errorData: z.nullable(z.string()),
  failures: z.int(),
  firstDeadAt: z.iso.datetime(),
  deadAt: z.iso.datetime(),
  replays: z.int(),
  replayedAt: z.nullable(z.iso.datetime()),
  /** Who asked for the newest replay (absent from ledgers older than staff sign-in). */
  replayedBy: z.optional(z.nullable(Actor)),
  event: CloudEventRecord,
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** `POST /api/ledger/dead-letters/replay`: ledger ids are SHA-256 digests in hex. */
export const BulkReplay = z.object({
  ids: z
    .array(z.string().check(z.regex(/^[0-9a-f]{64}$/, 'a dead letter id')))
    .check(z.minLength(1), z.maxLength(100)),
});
export type BulkReplay = z.infer<typeof BulkReplay>;
/** Its answer: the ids replayed, and those the ledger does not hold. */
export const BulkReplayResult = z.object({ replayed: z.array(z.string()), notFound: z.array(z.string()) });
export type BulkReplayResult = z.infer<typeof BulkReplayResult>;

// web's own: staff sign-in and roles

/** Everyone who signed in, with the role a manager gave them (null: none yet). */
export const StaffMember = z.object({
  id: z.string(),
  subject: Actor.shape.subject,
  name: Actor.shape.name,
  email: z.optional(z.string()),
  role: z.nullable(StaffRole),
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  /** Who last set the role (absent for a bootstrap binding or none). */
  roleSetBy: z.optional(Actor),
  roleSetAt: z.optional(z.iso.datetime()),
});
export type StaffMember = z.infer<typeof StaffMember>;

/** `PUT /api/staff/users/:id/role`. */
export const RoleChange = z.object({ role: z.nullable(StaffRole) });
export type RoleChange = z.infer<typeof RoleChange>;

/** `GET /auth/me`: the signed-in person, or null. `mode` is web's `STAFF_AUTH`. */
export const SignedIn = z.nullable(
  z.object({
    subject: Actor.shape.subject,
    name: Actor.shape.name,
    email: z.optional(z.string()),
    role: z.nullable(StaffRole),
    mode: z.enum(['oidc', 'iap']),
  }),
);
export type SignedIn = z.infer<typeof SignedIn>;
