/**
 * @module Every HTTP route of Stockflow as web exposes it: who may call it, its query, body and
 * answer schemas and the refusals it may answer. docs/openapi.json and docs/api.md are generated
 * from this table (`npm run docs:api`), and a test checks it against the routes the apps register.
 */
import * as z from 'zod/mini';
import {
  CancelOrder,
  ImportResult,
  InspectReturn,
  Location,
  LocationChanges,
  Movement,
  MovementQuery,
  NewLocation,
  NewProduct,
  NewTransfer,
  Order,
  PlacedOrder,
  PlaceOrder,
  ProductChanges,
  ProductImportResult,
  ReceiveReturn,
  ReceiveTransfer,
  ReorderEntry,
  RequestReturn,
  StockAdjustment,
  StockCount,
  StockLevel,
  Transfer,
} from './api.ts';
import { Product, type StaffRole } from './events.ts';
import type { FunctionName } from './functions.ts';
import {
  Availability,
  BulkReplay,
  BulkReplayResult,
  DeadLetter,
  DeadLetterQuery,
  ImportQuery,
  itemsOf,
  LedgerEvent,
  LedgerEventFilter,
  LedgerEventQuery,
  MessagesQuery,
  MovementListQuery,
  OrderMessage,
  OrderQuery,
  OrderReturn,
  PaymentView,
  ProductQuery,
  pageOf,
  ReturnQuery,
  RoleChange,
  SignedIn,
  StaffMember,
  StockQuery,
  StockSettings,
  TransferQuery,
  WebhookReceipt,
} from './http.ts';
import { LedgerStats, LowStockCount, OrderStats, OrderStatsQuery } from './stats.ts';

/** Who may call a route: anyone, the holder of an order's token (or staff), a signed webhook, a staff role. */
export type Access = 'public' | 'order' | 'signature' | StaffRole;

/** Where a route is served: a function (web forwards `/api/<function>/…` to it), or web itself. */
/** Who answers a route: a function (one of `functions/*`) or web itself. */
export type Owner = FunctionName | 'web';

export interface Answer {
  status: number;
  /** The JSON body's schema; none for an empty answer or another media type. */
  schema?: z.core.$ZodType;
  /** The body's media type when it is not JSON. */
  mediaType?: 'text/event-stream' | 'text/csv' | 'text/html';
  description: string;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path as web exposes it, with Hono's `:param`s (`/api/orders/:id`). */
  path: string;
  owner: Owner;
  access: Access;
  summary: string;
  /** What the route does beyond its summary (docs/api.md's prose). */
  description?: string;
  query?: z.ZodMiniObject;
  /** The JSON body's schema, or `csv` for a `text/csv` upload. */
  body?: z.core.$ZodType | 'csv';
  /** The body may be left out (an empty body). */
  bodyOptional?: boolean;
  /** An `Idempotency-Key` header is honoured. */
  idempotent?: boolean;
  answer: Answer;
  /** Refusals of this route beyond those its access, query and body imply (400, 401, 403, 413, 415). */
  problems?: Record<number, string>;
}

const page = pageOf;
const orderRefused = 'No such order, or not yours: a wrong or expired token opens nothing.';

const catalog: Route[] = [
  {
    method: 'GET',
    path: '/api/catalog/products',
    owner: 'catalog',
    access: 'public',
    summary: 'Active products by name',
    description:
      '`q` matches a prefix of the name, of a word of the name, or of the sku (case-insensitive); ' +
      '`category` exactly; `limit` 1..100, default 24.',
    query: ProductQuery,
    answer: { status: 200, schema: page(Product), description: 'A page of active products.' },
  },
  {
    method: 'GET',
    path: '/api/catalog/products/:id',
    owner: 'catalog',
    access: 'public',
    summary: 'A product',
    description: 'Archived ones too, with `status: "archived"`.',
    answer: { status: 200, schema: Product, description: 'The product.' },
    problems: { 404: 'No such product.' },
  },
  {
    method: 'GET',
    path: '/api/catalog/categories',
    owner: 'catalog',
    access: 'public',
    summary: 'The categories of active products',
    answer: { status: 200, schema: itemsOf(z.string()), description: 'Every category, by name.' },
  },
  {
    method: 'POST',
    path: '/api/catalog/products',
    owner: 'catalog',
    access: 'manager',
    summary: 'Create a product',
    body: NewProduct,
    answer: { status: 201, schema: Product, description: 'The product, version 1.' },
    problems: { 409: 'The sku is taken (in any case).' },
  },
  {
    method: 'PATCH',
    path: '/api/catalog/products/:id',
    owner: 'catalog',
    access: 'manager',
    summary: "Change a product's fields",
    description:
      'Any of the create fields; `null` removes `description`, `category` or `imageUrl`. The ' +
      "product's own `sku` may be sent back (another is 422). A patch that changes nothing: 200, no new version.",
    body: ProductChanges,
    answer: { status: 200, schema: Product, description: 'The product, as changed.' },
    problems: { 404: 'No such product.', 409: 'The product is archived.', 422: 'Another sku.' },
  },
  {
    method: 'POST',
    path: '/api/catalog/products/:id/archive',
    owner: 'catalog',
    access: 'manager',
    summary: 'Archive a product',
    answer: {
      status: 200,
      schema: Product,
      description: 'The product with `status: "archived"` (again: 200, unchanged).',
    },
    problems: { 404: 'No such product.' },
  },
  {
    method: 'POST',
    path: '/api/catalog/imports',
    owner: 'catalog',
    access: 'manager',
    summary: 'Import products from CSV',
    description: [
      'A header naming `sku,name,priceCents,currency` and any of `category,description,imageUrl,status`, in any order.',
      'A dry run (the default) changes nothing; the same file (SHA-256) again: 200 `alreadyApplied: true`, nothing applied.',
      '',
      'A row whose sku exists (compared without case) updates that product: a new version and',
      '`io.stockflow.product.updated` with the importing manager as actor; any other row creates one',
      '(`io.stockflow.product.created`). `status` is `active` or `archived` (empty: as it is, `active`',
      "for a new product): `archived` archives the product after the row's changes",
      '(`io.stockflow.product.archived`); an archived product takes no change and is not made active',
      'again (a row that repeats it as it is: `unchanged`). A column left out leaves that field as it is;',
      'an empty `category`, `description` or `imageUrl` cell removes the field. Each row is checked as',
      '`POST /api/catalog/products` checks a body; a sku given twice, an unknown or repeated column, more',
      'than 100,000 rows, text that is not UTF-8 or a record over 4,096 characters are errors with their',
      "line. Applying commits 100 rows per transaction, each product's change with its events (outbox) and",
      "the chunk's record (file hash, index): a retried import applies only what is missing. A body up to",
      '16 MiB (`UPLOAD_LIMIT_BYTES`, which only the import routes get, here and at web).',
    ].join('\n'),
    query: ImportQuery,
    body: 'csv',
    answer: { status: 200, schema: ProductImportResult, description: 'What the file does (or did).' },
    problems: { 422: 'The file has errors: the `ProductImportResult` itself, nothing applied.' },
  },
];

const stockNote = 'Stock may exist before the product event: an unknown product has zeros.';
const inventory: Route[] = [
  {
    method: 'GET',
    path: '/api/inventory/stock/:productId',
    owner: 'inventory',
    access: 'public',
    summary: "A product's stock",
    description: `Anyone gets \`Availability\`; staff (viewer) get the \`StockLevel\`. ${stockNote}`,
    answer: {
      status: 200,
      schema: z.union([StockLevel, Availability]),
      description: '`Availability`, or for staff `StockLevel`.',
    },
  },
  {
    method: 'GET',
    path: '/api/inventory/stock/low/count',
    owner: 'inventory',
    access: 'viewer',
    summary: 'How many stock items are at or below their low-stock threshold (the admin overview)',
    answer: { status: 200, schema: LowStockCount, description: 'The count.' },
  },
  {
    method: 'GET',
    path: '/api/inventory/stock',
    owner: 'inventory',
    access: 'public',
    summary: 'Availability of some products, or (staff) every stock level',
    description:
      'With `ids=a,b,c` (at most 100), anyone: `{items: Availability[]}`. Without, staff (viewer): a ' +
      'page of `StockLevel`s, only low ones with `low=true`.',
    query: StockQuery,
    answer: {
      status: 200,
      schema: z.union([itemsOf(Availability), page(StockLevel)]),
      description: 'The availabilities asked for, or a page of stock levels.',
    },
    problems: { 401: 'No ids, and no staff session.', 403: 'No ids, and no staff role.' },
  },
  {
    method: 'PATCH',
    path: '/api/inventory/stock/:productId',
    owner: 'inventory',
    access: 'clerk',
    summary: "Set a product's low-stock threshold",
    body: StockSettings,
    answer: { status: 200, schema: StockLevel, description: 'The stock level.' },
  },
  {
    method: 'POST',
    path: '/api/inventory/stock/:productId/adjustments',
    owner: 'inventory',
    access: 'clerk',
    summary: 'Adjust stock at a location',
    description:
      '`delta` an integer, not 0; `reason` free text; `locationId` absent: the default location; ' +
      "`kind` the movement's reason, `adjusted` (default), `damaged`, `returned` or `received`.",
    body: StockAdjustment,
    answer: { status: 200, schema: StockLevel, description: 'The stock level.' },
    problems: { 409: 'onHand would fall below reserved at that location.', 422: 'Unknown location.' },
  },
  {
    method: 'POST',
    path: '/api/inventory/stock/:productId/counts',
    owner: 'inventory',
    access: 'clerk',
    summary: 'Record a cycle count',
    description: 'The difference from on hand becomes a `counted` movement.',
    body: StockCount,
    answer: { status: 200, schema: StockLevel, description: 'The stock level.' },
    problems: { 409: 'Counted below reserved there.', 422: 'Unknown location.' },
  },
  {
    method: 'GET',
    path: '/api/inventory/locations',
    owner: 'inventory',
    access: 'viewer',
    summary: 'Every location',
    answer: {
      status: 200,
      schema: itemsOf(Location),
      description: 'Every location, the default one among them.',
    },
  },
  {
    method: 'POST',
    path: '/api/inventory/locations',
    owner: 'inventory',
    access: 'manager',
    summary: 'Create a location',
    description: 'Priority 100 and active by default; lower priority allocates first.',
    body: NewLocation,
    answer: { status: 201, schema: Location, description: 'The location.' },
    problems: { 409: 'The id is taken.' },
  },
  {
    method: 'PATCH',
    path: '/api/inventory/locations/:id',
    owner: 'inventory',
    access: 'manager',
    summary: 'Change a location',
    body: LocationChanges,
    answer: { status: 200, schema: Location, description: 'The location.' },
    problems: { 404: 'No such location.', 422: 'Deactivating `default`.' },
  },
  {
    method: 'GET',
    path: '/api/inventory/movements',
    owner: 'inventory',
    access: 'viewer',
    summary: 'Stock movements, newest first',
    description: '`since` an ISO time (inclusive); `limit` 1..500, default 100.',
    query: MovementListQuery,
    answer: { status: 200, schema: page(Movement), description: 'A page of movements.' },
  },
  {
    method: 'GET',
    path: '/api/inventory/transfers',
    owner: 'inventory',
    access: 'viewer',
    summary: 'Transfers, newest first',
    query: TransferQuery,
    answer: { status: 200, schema: page(Transfer), description: 'A page of transfers.' },
  },
  {
    method: 'GET',
    path: '/api/inventory/transfers/:id',
    owner: 'inventory',
    access: 'viewer',
    summary: 'A transfer',
    answer: { status: 200, schema: Transfer, description: 'The transfer.' },
    problems: { 404: 'No such transfer.' },
  },
  {
    method: 'POST',
    path: '/api/inventory/transfers',
    owner: 'inventory',
    access: 'clerk',
    summary: 'Request a transfer between locations',
    body: NewTransfer,
    answer: { status: 201, schema: Transfer, description: 'The transfer, `requested`.' },
    problems: { 422: 'The same or an unknown location.' },
  },
  {
    method: 'POST',
    path: '/api/inventory/transfers/:id/dispatch',
    owner: 'inventory',
    access: 'clerk',
    summary: 'Dispatch a transfer',
    description: "The lines leave `from`'s onHand and are in transit to `to`.",
    answer: { status: 200, schema: Transfer, description: 'The transfer, `dispatched`.' },
    problems: { 404: 'No such transfer.', 409: '`from` is short (with `shortages`), or not requested.' },
  },
  {
    method: 'POST',
    path: '/api/inventory/transfers/:id/receive',
    owner: 'inventory',
    access: 'clerk',
    summary: 'Receive a dispatched transfer',
    description:
      'Lines left out arrived as dispatched; another quantity than dispatched needs `reason` and is ' +
      'recorded in `discrepancies`.',
    body: ReceiveTransfer,
    bodyOptional: true,
    answer: { status: 200, schema: Transfer, description: 'The transfer, `received`.' },
    problems: {
      404: 'No such transfer.',
      409: 'Not dispatched.',
      422: 'A quantity differs and no reason is given.',
    },
  },
  {
    method: 'POST',
    path: '/api/inventory/transfers/:id/cancel',
    owner: 'inventory',
    access: 'clerk',
    summary: 'Cancel a requested transfer',
    answer: { status: 200, schema: Transfer, description: 'The transfer, `cancelled`.' },
    problems: { 404: 'No such transfer.', 409: 'Not requested.' },
  },
  {
    method: 'GET',
    path: '/api/inventory/reorder',
    owner: 'inventory',
    access: 'viewer',
    summary: 'What to reorder',
    description: 'Active products whose available plus in-transit stock is at or below their threshold.',
    answer: { status: 200, schema: itemsOf(ReorderEntry), description: 'Every product to reorder.' },
  },
  {
    method: 'GET',
    path: '/api/inventory/export/stock.csv',
    owner: 'inventory',
    access: 'viewer',
    summary: 'Every stock level as CSV',
    answer: {
      status: 200,
      mediaType: 'text/csv',
      description: 'Streamed: `productId,locationId,onHand,reserved,available,inTransit,lowStockThreshold`.',
    },
  },
  {
    method: 'GET',
    path: '/api/inventory/export/movements.csv',
    owner: 'inventory',
    access: 'viewer',
    summary: 'Movements as CSV, newest first',
    query: MovementQuery,
    answer: {
      status: 200,
      mediaType: 'text/csv',
      description: 'Streamed: `at,productId,locationId,delta,reason,before,after,reference,note,actor,id`.',
    },
  },
  {
    method: 'POST',
    path: '/api/inventory/imports',
    owner: 'inventory',
    access: 'clerk',
    summary: 'Import stock counts from CSV',
    description:
      'The header `productId,locationId,counted` (an empty locationId: the default location). A dry ' +
      'run (the default) changes nothing; the same file (SHA-256) again: 200 `alreadyApplied: true`, ' +
      'nothing applied. Products are not imported here: they belong to catalog.',
    query: ImportQuery,
    body: 'csv',
    answer: { status: 200, schema: ImportResult, description: 'What the file does (or did).' },
    problems: { 422: 'The file has errors: the `ImportResult` itself, nothing applied.' },
  },
];

const orderId = 'the order';
const orders: Route[] = [
  {
    method: 'POST',
    path: '/api/orders',
    owner: 'orders',
    access: 'public',
    summary: 'Place an order',
    description: [
      "Also sets the order's cookie (`Set-Cookie: order_token=…; Path=/api/orders/<id>; HttpOnly;",
      "SameSite=Strict`). `country` is an ISO 3166-1 alpha-2 code, `postalCode` of that country's",
      'format; the address is stored with the order, never logged nor announced. The same',
      "`Idempotency-Key` and body returns the same order. Limited per client (web's",
      '`ORDER_RATE_LIMIT`, 30 a minute by default). One order holds at most `MAX_LINE_QUANTITY` (100)',
      'units of a product and `MAX_ORDER_LINES` (50) lines.',
    ].join('\n'),
    body: PlaceOrder,
    idempotent: true,
    answer: { status: 202, schema: PlacedOrder, description: `${orderId}, \`pending\`, with its token.` },
    problems: {
      422:
        'Unknown or archived products (`products: [{productId, reason}]`), mixed `currencies`, over ' +
        'the limits (`limit`), or a used key with another body.',
      429: 'Over the rate limit (`Retry-After`).',
    },
  },
  {
    method: 'GET',
    path: '/api/orders',
    owner: 'orders',
    access: 'viewer',
    summary: 'Orders, newest first',
    query: OrderQuery,
    answer: { status: 200, schema: page(Order), description: 'A page of orders.' },
  },
  {
    method: 'GET',
    path: '/api/orders/stats',
    owner: 'orders',
    access: 'viewer',
    summary: 'Orders placed and paid revenue per hour (the admin overview)',
    description:
      'The last `hours` hours (1..168, default 24), oldest first: orders placed in each hour and ' +
      'the totals of those paid (confirmed onward) per currency; one query of at most 5,000 ' +
      'orders, `truncated` beyond.',
    query: OrderStatsQuery,
    answer: { status: 200, schema: OrderStats, description: 'One entry per hour.' },
  },
  {
    method: 'GET',
    path: '/api/orders/returns',
    owner: 'orders',
    access: 'viewer',
    summary: 'Returns across orders, newest request first',
    query: ReturnQuery,
    answer: {
      status: 200,
      schema: page(OrderReturn),
      description: 'A page of returns with their order ids.',
    },
  },
  {
    method: 'GET',
    path: '/api/orders/:id',
    owner: 'orders',
    access: 'order',
    summary: 'An order',
    answer: { status: 200, schema: Order, description: 'The order.' },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/session',
    owner: 'orders',
    access: 'order',
    summary: "Exchange a kept link's token for the order's cookie",
    description: 'The token in `Authorization: Bearer`; a staff session opens nothing here.',
    answer: { status: 200, schema: Order, description: "The order, and the order's cookie." },
  },
  {
    method: 'GET',
    path: '/api/orders/:id/events',
    owner: 'orders',
    access: 'order',
    summary: "Follow an order's changes",
    description:
      "An `order` event with the whole `Order` at once and after every change (`id`: the timeline's " +
      'length); `:` comment lines keep it alive. At most `ORDER_STREAMS_PER_ORDER` (5) streams per order ' +
      'and `ORDER_STREAMS_PER_CLIENT` (10) per client.',
    answer: { status: 200, mediaType: 'text/event-stream', description: 'Server-sent events.' },
    problems: { 429: 'Over the stream caps (`Retry-After`).' },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/cancel',
    owner: 'orders',
    access: 'order',
    summary: 'Cancel an order',
    description: '`reason` is shown on the timeline; staff cancelling need `clerk`.',
    body: CancelOrder,
    bodyOptional: true,
    answer: {
      status: 200,
      schema: Order,
      description: '`cancelled`, `cancelCause` `customer` or `staff`.',
    },
    problems: { 409: 'Not pending, awaiting payment or confirmed (with `orderStatus`).' },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/ship',
    owner: 'orders',
    access: 'clerk',
    summary: 'Ship every pending shipment',
    answer: { status: 200, schema: Order, description: 'The order, `shipped`.' },
    problems: { 404: 'No such order.', 409: 'Not confirmed (with `orderStatus`).' },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/shipments/:shipmentId/ship',
    owner: 'orders',
    access: 'clerk',
    summary: 'Ship one shipment',
    description:
      "Its location's stock is committed; the order is `partially-shipped` until the last one, then `shipped`.",
    answer: { status: 200, schema: Order, description: 'The order.' },
    problems: { 404: 'No such order or shipment.', 409: 'Shipped already.' },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/deliver',
    owner: 'orders',
    access: 'clerk',
    summary: 'Record that a shipped order was delivered',
    answer: {
      status: 200,
      schema: Order,
      description: '`delivered`, with `deliveredAt` and `returnUntil` (now + `RETURN_DAYS` days).',
    },
    problems: { 404: 'No such order.', 409: 'Not shipped.' },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/returns',
    owner: 'orders',
    access: 'order',
    summary: 'Ask to return delivered lines',
    description: 'A resend with the same `Idempotency-Key` answers the order with no second return.',
    body: RequestReturn,
    idempotent: true,
    answer: { status: 201, schema: Order, description: 'The order with the new return (id `r-<n>`).' },
    problems: {
      409: 'Not delivered, or past `returnUntil` (`reason` `not-delivered` or `window-closed`).',
      422: 'More than returnable (`products: [{productId, returnable}]`), or a used key with another body.',
    },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/returns/:returnId/receive',
    owner: 'orders',
    access: 'clerk',
    summary: 'A returned parcel arrived',
    body: ReceiveReturn,
    answer: { status: 200, schema: Order, description: 'The order.' },
    problems: { 404: 'No such order or return.', 409: 'Not `requested` (with `returnStatus`).' },
  },
  {
    method: 'POST',
    path: '/api/orders/:id/returns/:returnId/inspect',
    owner: 'orders',
    access: 'clerk',
    summary: 'Every returned unit restocked or written off',
    description:
      "Accounting for exactly the return's items; the return gets `lines` and `refundCents` (every " +
      'returned unit at its price), and payments refunds.',
    body: InspectReturn,
    answer: { status: 200, schema: Order, description: 'The order.' },
    problems: {
      404: 'No such order or return.',
      409: 'Not `received`.',
      422: "Lines that are not the return's items.",
    },
  },
];

const payments: Route[] = [
  {
    method: 'GET',
    path: '/api/payments/payments/:orderId',
    owner: 'payments',
    access: 'viewer',
    summary: "An order's payment with its jobs",
    description: 'A job the provider keeps refusing or cannot reach stays here with its last error.',
    answer: { status: 200, schema: PaymentView, description: 'The payment.' },
    problems: { 404: 'payments has not heard of the order.' },
  },
  {
    method: 'POST',
    path: '/api/payments/webhooks/sandbox',
    owner: 'payments',
    access: 'signature',
    summary: "The payment provider's webhook",
    description: "The body is the provider's event, verified by its signature header.",
    answer: {
      status: 200,
      schema: WebhookReceipt,
      description: 'Applied (a repeat: `duplicate: true`, nothing changes).',
    },
    problems: { 400: 'Not an event.', 401: 'A bad or stale signature.' },
  },
];

const notifications: Route[] = [
  {
    method: 'GET',
    path: '/api/notifications/messages',
    owner: 'notifications',
    access: 'viewer',
    summary: 'The emails of one order, oldest first',
    description:
      'One per (order, `kind`) and, for an order shipped in several shipments, per shipment, and per ' +
      'refund. `status`: `waiting` (the news came before `order.placed`), `pending` (due, or retried ' +
      'after an SMTP failure), `sent`, `failed` (given up after `MAIL_MAX_ATTEMPTS`), `unaddressed`.',
    query: MessagesQuery,
    answer: { status: 200, schema: itemsOf(OrderMessage), description: 'Every message (not paged).' },
  },
];

const deadLetterNotFound = { 404: 'No such dead letter.' };
const tooLate = "Its event is older than the consumers' dedupe retention (30 days).";
const ledger: Route[] = [
  {
    method: 'GET',
    path: '/api/ledger/events',
    owner: 'ledger',
    access: 'viewer',
    summary: 'Recorded events, newest first (by arrival)',
    description:
      '`type`, `subject`, `source` match exactly; `since` an ISO time (recorded at or after); `limit` 1..100, default 50.',
    query: LedgerEventQuery,
    answer: { status: 200, schema: page(LedgerEvent), description: 'A page of events.' },
  },
  {
    method: 'GET',
    path: '/api/ledger/events/stream',
    owner: 'ledger',
    access: 'viewer',
    summary: 'Follow the events recorded from now on',
    description:
      'A `ledger-event` message (`data`: a `LedgerEvent`, `id`: its id) for each event; `Last-Event-ID` ' +
      'resumes after that event; `:` comment lines keep it alive. It follows a Firestore listener and ' +
      'also queries every 5 s for what the listener should have reported.',
    query: LedgerEventFilter,
    answer: { status: 200, mediaType: 'text/event-stream', description: 'Server-sent events.' },
  },
  {
    method: 'GET',
    path: '/api/ledger/stats',
    owner: 'ledger',
    access: 'viewer',
    summary: "The last hour's events per minute by type, and the dead letters waiting",
    description: 'At most 10,000 events read, `truncated` beyond (the admin overview).',
    answer: { status: 200, schema: LedgerStats, description: 'Events per minute and dead letters.' },
  },
  {
    method: 'GET',
    path: '/api/ledger/dead-letters',
    owner: 'ledger',
    access: 'viewer',
    summary: 'Dead letters, latest failure first',
    query: DeadLetterQuery,
    answer: { status: 200, schema: page(DeadLetter), description: 'A page of dead letters.' },
  },
  {
    method: 'GET',
    path: '/api/ledger/dead-letters/:id',
    owner: 'ledger',
    access: 'viewer',
    summary: 'A dead letter',
    answer: { status: 200, schema: DeadLetter, description: 'The dead letter.' },
    problems: deadLetterNotFound,
  },
  {
    method: 'POST',
    path: '/api/ledger/dead-letters/:id/replay',
    owner: 'ledger',
    access: 'manager',
    summary: "Re-send a dead letter's event to the broker",
    description:
      "With its original `id` and `source` plus the extension `stockflowreplay` (the replay's time), " +
      'so consumers that applied it already ignore it.',
    answer: { status: 202, schema: DeadLetter, description: 'The dead letter, `replayed`.' },
    problems: { ...deadLetterNotFound, 409: tooLate },
  },
  {
    method: 'POST',
    path: '/api/ledger/dead-letters/replay',
    owner: 'ledger',
    access: 'manager',
    summary: 'Replay up to 100 dead letters in one transaction',
    body: BulkReplay,
    answer: { status: 202, schema: BulkReplayResult, description: 'The ids replayed and not found.' },
    problems: { 409: `One of them is too old, none replayed: ${tooLate}` },
  },
  {
    method: 'DELETE',
    path: '/api/ledger/dead-letters/:id',
    owner: 'ledger',
    access: 'manager',
    summary: 'Discard a dead letter',
    answer: { status: 204, description: 'Discarded.' },
    problems: deadLetterNotFound,
  },
];

const web: Route[] = [
  {
    method: 'GET',
    path: '/api/openapi.json',
    owner: 'web',
    access: 'public',
    summary: 'This document',
    answer: { status: 200, description: 'The OpenAPI 3.1 document (docs/openapi.json).' },
  },
  {
    method: 'GET',
    path: '/auth/login',
    owner: 'web',
    access: 'public',
    summary: 'Sign in as staff',
    description:
      'A 303 to the identity provider (OIDC) or straight back (IAP). With `STAFF_AUTH=off`, `/auth/*` answers 404.',
    query: z.object({ return: z.optional(z.string()) }),
    answer: { status: 303, description: 'To the identity provider, or to `return` (a path of this site).' },
  },
  {
    method: 'GET',
    path: '/auth/callback',
    owner: 'web',
    access: 'public',
    summary: "The identity provider's answer",
    answer: {
      status: 200,
      mediaType: 'text/html',
      description: 'A page that continues to `return`, with the session cookie `stockflow_staff`.',
    },
    problems: { 401: 'The sign-in could not be completed.', 404: 'No sign-in here (IAP, or off).' },
  },
  {
    method: 'POST',
    path: '/auth/logout',
    owner: 'web',
    access: 'public',
    summary: 'Sign out',
    answer: { status: 204, description: 'The session cookie cleared.' },
    problems: { 403: 'A cross-site request.' },
  },
  {
    method: 'GET',
    path: '/auth/me',
    owner: 'web',
    access: 'public',
    summary: 'Who is signed in',
    answer: {
      status: 200,
      schema: SignedIn,
      description: 'The signed-in person (`role` null: none yet), or null.',
    },
  },
  {
    method: 'GET',
    path: '/api/staff/users',
    owner: 'web',
    access: 'viewer',
    summary: 'Everyone who signed in, by name',
    answer: { status: 200, schema: itemsOf(StaffMember), description: 'Every staff member.' },
  },
  {
    method: 'PUT',
    path: '/api/staff/users/:id/role',
    owner: 'web',
    access: 'manager',
    summary: "Set a staff member's role",
    body: RoleChange,
    answer: { status: 200, schema: StaffMember, description: 'The staff member.' },
    problems: { 403: "One's own role.", 404: 'No such staff member.' },
  },
];

/** What each owner's routes share: docs/api.md's section prose and the OpenAPI tags' descriptions. */
export const OWNERS: Record<Owner, string> = {
  catalog: [
    'Products and their categories; staff (manager) create, change, archive and import them. A',
    '`Product` is the data of `io.stockflow.product.*` (docs/events.md). 10,000 products import in',
    '`npm run bench -- products-import`: dry run 2.8 s, apply 10.7 s on the shared development machine.',
  ].join('\n'),
  inventory: [
    'Stock per product and location: `available = onHand - reserved`, totals summed over the',
    'locations (in transit is not on hand anywhere yet). Staff move stock with adjustments, counts,',
    'transfers between locations and CSV imports; every change of `onHand` is a `Movement` (the audit',
    'trail), whose `actor` is a person `{subject, name}` or a system `{system}`. Products are not',
    'imported here: they belong to catalog, which announces them; inventory counts stock for any',
    'product id, before or after its product event.',
  ].join('\n'),
  orders: [
    "The order token goes in `Authorization: Bearer <token>` or in the order's cookie, never in a URL",
    '(`?token=` opens nothing). The cookie is `order_token=<token>; Path=/api/orders/<id>; HttpOnly;',
    'SameSite=Strict; Max-Age=<until the token expires>` (plus `Secure` over https): set by the placing',
    "answer and by `POST /api/orders/:id/session`, it is what a browser's `EventSource` sends. A token",
    'opens its order for `ORDER_TOKEN_TTL_DAYS` (90) days from placing (`tokenExpiresAt`); then 404, as',
    'for any wrong token. The stream follows the order with a Firestore listener and, so that one lost',
    'notification never leaves a shopper watching "pending", also reads the order again every 3 s while',
    'it is pending or awaiting its payment link, and at each keep-alive while it can still change.',
    '',
    "The order's life: pending (inventory reserves) → `awaiting-payment` (stock held until",
    '`holdExpiresAt`, `PAYMENT_HOLD_SECONDS` after the reservation; `payment.checkoutUrl` appears when',
    "payments opened the provider's page) → `confirmed` (payment authorized) → shipped → `delivered`.",
    'A declined payment cancels it (`cancelCause: "payment-declined"`, `payment.declineMessage` the',
    "provider's words for the shopper); a hold that runs out unpaid is cancelled at the next tick of",
    "orders' PingSource (`payment-expired`). Payment capture and refunds, and each return step, are",
    'timeline entries that keep the status, with a `reason` (`payment captured: 15.00 EUR`, `return r-1',
    'requested: 2 items`); the event stream sends each. Once stock is reserved, an order has one',
    "`Shipment` per location holding some of it (its id is the location's id).",
  ].join('\n'),
  payments: [
    'The payment of each order at the provider. `status`: `pending` (no checkout yet), `requested`,',
    '`authorized`, `declined`, `captured`, `partially-refunded`, `refunded`. Each job is a capture or a',
    "refund at the provider (refunds' `cause`: `cancelled`, `late-authorization` or `return`).",
  ].join('\n'),
  notifications: [
    "The emails to shoppers. A message's `id` is `<orderId>~<kind>[~<part>]`, the part a shipment's",
    'id, or for a refund `return:<returnId>`, else `<cause>:<paymentId>` percent-encoded. `lastError` is',
    "the last SMTP failure, addresses taken out; `to` is the shopper's address.",
  ].join('\n'),
  ledger: [
    "The event log and the dead letters. A `DeadLetter`'s `destination` is where delivery failed",
    "(Knative's `knativeerrordest`), `errorCode` its last HTTP status, `errorData` its answer as text,",
    '`failures` how often it failed for good there (a failed replay adds one and makes it `dead` again),',
    '`event` the original event. A replay re-sends `event` with its original `id` and `source` plus the',
    "extension `stockflowreplay` (the replay's time), so consumers that applied it already ignore it.",
  ].join('\n'),
  web: [
    "web's own routes: staff sign-in, staff roles and this document. With `STAFF_AUTH=off`, `/auth/*`",
    'answers 404. Admin changes carry their actor `{subject, name}` in the data of the events they cause.',
  ].join('\n'),
};

/**
 * The functions' platform routes, Knative's and the cluster's, never forwarded by web: a Trigger's
 * deliveries (and PingSource ticks), the broker's dead letters (ledger), probes and metrics.
 */
export const PLATFORM_ROUTES = [
  'POST /events',
  'POST /dead-letters',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
] as const;

/** Every route, grouped by owner in this order. */
export const ROUTES: readonly Route[] = [
  ...catalog,
  ...inventory,
  ...orders,
  ...payments,
  ...notifications,
  ...ledger,
  ...web,
];

/** The refusals a route may answer: those of its access, query and body, then its own. */
export function problemsOf(route: Route): Record<number, string> {
  const problems: Record<number, string> = {};
  if (route.query) problems[400] = 'A bad query parameter (`errors` names each).';
  if (route.body) {
    problems[400] =
      route.body === 'csv' ? 'Not a readable file.' : 'A malformed body (`errors` names each field).';
    problems[413] = 'The body is over the limit (`Connection: close`).';
    problems[415] = `Not \`${route.body === 'csv' ? 'text/csv' : 'application/json'}\`.`;
  }
  if (isStaff(route.access)) {
    problems[401] = 'No valid staff session or token.';
    problems[403] = `A role below \`${route.access}\`.`;
  }
  if (route.access === 'order') problems[404] = orderRefused;
  return { ...problems, ...route.problems };
}

export const isStaff = (access: Access): access is StaffRole =>
  access !== 'public' && access !== 'order' && access !== 'signature';
