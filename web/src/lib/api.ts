/**
 * @module Every call the SPA makes to the server, through web's `/api/<function>/…` (docs/api.md).
 * Failures are `ApiError`s carrying the problem+json body, so screens can show what went wrong and,
 * for forms, which field. Staff calls go with web's HttpOnly session cookie, never a token of the
 * SPA's; a refused session sends the admin screens back to sign-in.
 */
import type {
  Availability,
  BulkReplayResult,
  DeadLetter,
  DeadLetterQuery,
  ImportResult,
  InspectReturn,
  LedgerEvent,
  LedgerEventFilter,
  LedgerEventQuery,
  LedgerStats,
  Location,
  LocationChanges,
  LowStockCount,
  Movement,
  MovementListQuery,
  NewLocation,
  NewProduct,
  NewTransfer,
  Order,
  OrderMessage,
  OrderQuery,
  OrderReturn,
  OrderStats,
  Page,
  PlacedOrder,
  PlaceOrder,
  ProblemDetails,
  Product,
  ProductChanges,
  ProductImportResult,
  ProductQuery,
  ReceiveReturn,
  ReceiveTransfer,
  ReorderEntry,
  RequestReturn,
  ReturnQuery,
  StaffMember,
  StockAdjustment,
  StockCount,
  StockLevel,
  StockQuery,
  Transfer,
  TransferQuery,
} from '@stockflow/contracts';
import { type StaffRole, sessionRefused } from './admin-session.ts';
import { takeFirstAnswer } from './first-answers.ts';

export type {
  Address,
  Availability,
  CancelCause,
  CloudEventRecord,
  DeadLetter,
  DeadLetterQuery,
  DeadLetterStatus,
  EventMinute,
  ImportResult,
  InspectReturn,
  LedgerEvent,
  LedgerEventFilter,
  LedgerEventQuery,
  LedgerStats,
  Location,
  LocationChanges,
  LocationStock,
  LowStockCount,
  MessageKind,
  MessageStatus,
  Movement,
  MovementListQuery,
  MovementQuery,
  MovementReason,
  NewLocation,
  NewProduct,
  NewTransfer,
  Order,
  OrderHour,
  OrderMessage,
  OrderPayment,
  OrderQuery,
  OrderReturn,
  OrderStats,
  OrderStatus,
  Page,
  PlacedOrder,
  PlaceOrder,
  ProblemDetails,
  Product,
  ProductChanges,
  ProductImportResult,
  ProductQuery,
  ReceiveReturn,
  ReceiveTransfer,
  ReorderEntry,
  RequestReturn,
  Return,
  ReturnOutcome,
  ReturnQuery,
  ReturnStatus,
  Shipment,
  Shortage,
  StaffMember,
  StockAdjustment,
  StockCount,
  StockLevel,
  StockQuery,
  Transfer,
  TransferQuery,
  TransferState,
} from '@stockflow/contracts';

export class ApiError extends Error {
  constructor(readonly problem: ProblemDetails) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
  }

  /** 0 when the server could not be reached at all. */
  get status(): number {
    return this.problem.status;
  }

  /** Messages by field path (`customer.email`, `priceCents`), from a 400's `errors`. */
  get fieldErrors(): Record<string, string> {
    const byPath: Record<string, string> = {};
    for (const error of this.problem.errors ?? []) byPath[error.path] ??= error.message;
    return byPath;
  }
}

type Auth = 'admin' | { token: string } | undefined;

interface CallOptions {
  body?: unknown;
  auth?: Auth;
  idempotencyKey?: string;
  signal?: AbortSignal;
  /** Sends `body` as this type, as is (a CSV), instead of as JSON. */
  contentType?: string;
  /** Reads the answer as a file instead of JSON. */
  as?: 'blob';
}

const url = (path: string) => new URL(`/api${path}`, window.location.origin).toString();

/** A query string of the set parameters (a contract's query type: `limit` is any number there). */
function query(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

async function readProblem(res: Response): Promise<ProblemDetails> {
  try {
    const body = (await res.json()) as Partial<ProblemDetails>;
    if (body && typeof body.title === 'string') return { ...body, title: body.title, status: res.status };
  } catch {
    // Not a problem+json body (a proxy's error page): describe it by status.
  }
  return {
    title: res.status >= 500 ? 'The shop is having trouble' : 'Request failed',
    status: res.status,
    detail:
      res.status >= 500 ? 'Something went wrong on our side. Please try again in a moment.' : res.statusText,
  };
}

async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  // A public read the page came with (lib/first-answers.ts) needs no request. It still comes in a
  // task of its own, as an answer from the network would: the app's start and the screen's first
  // render stay two shorter tasks on a phone's main thread, not one long one.
  if (method === 'GET' && !options.auth && !options.as) {
    const answer = takeFirstAnswer(`/api${path}`);
    if (answer !== undefined) return new Promise((resolve) => setTimeout(() => resolve(answer as T)));
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  // Staff calls carry web's session cookie (sent by the browser), never a token of ours.
  const bearer = options.auth === 'admin' ? undefined : options.auth?.token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(url(path), {
      method,
      headers,
      body:
        options.body === undefined || options.contentType
          ? (options.body as BodyInit | undefined)
          : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError({
      title: 'You seem to be offline',
      status: 0,
      detail: 'The shop could not be reached. Check your connection and try again.',
    });
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    if (res.status === 401 && options.auth === 'admin') sessionRefused();
    throw new ApiError(problem);
  }
  if (options.as === 'blob') return (await res.blob()) as T;
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined as T;
  return (await res.json()) as T;
}

// Catalog

export const listProducts = (params: ProductQuery = {}) =>
  call<Page<Product>>('GET', `/catalog/products${query({ ...params })}`);

export const getProduct = (id: string) => call<Product>('GET', `/catalog/products/${encodeURIComponent(id)}`);

export const listCategories = () =>
  call<{ items: string[] }>('GET', '/catalog/categories').then((res) => res.items);

export const createProduct = (product: NewProduct) =>
  call<Product>('POST', '/catalog/products', { body: product, auth: 'admin' });

export const updateProduct = (id: string, changes: ProductChanges) =>
  call<Product>('PATCH', `/catalog/products/${encodeURIComponent(id)}`, { body: changes, auth: 'admin' });

export const archiveProduct = (id: string) =>
  call<Product>('POST', `/catalog/products/${encodeURIComponent(id)}/archive`, { auth: 'admin' });

// Inventory

/** Units available to order, by product id (at most 100 ids a call; more are asked in batches). */
export async function getAvailability(productIds: readonly string[]): Promise<Record<string, number>> {
  const unique = [...new Set(productIds)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += 100) batches.push(unique.slice(i, i + 100));
  const answers = await Promise.all(
    batches.map((ids) =>
      call<{ items: Availability[] }>('GET', `/inventory/stock${query({ ids: ids.join(',') })}`),
    ),
  );
  const available: Record<string, number> = {};
  for (const answer of answers) for (const item of answer.items) available[item.productId] = item.available;
  return available;
}

export const getProductAvailability = (productId: string) =>
  call<Availability>('GET', `/inventory/stock/${encodeURIComponent(productId)}`).then((res) => res.available);

/** A product's full stock levels (admin). Stock may exist before the product event: zeros then. */
export const getStockLevel = (productId: string) =>
  call<StockLevel>('GET', `/inventory/stock/${encodeURIComponent(productId)}`, { auth: 'admin' });

/** Every product's stock levels (admin), or with `low` only the low ones. */
export const listStock = (params: Omit<StockQuery, 'ids' | 'low'> & { low?: boolean } = {}) =>
  call<Page<StockLevel>>('GET', `/inventory/stock${query({ ...params, low: params.low || undefined })}`, {
    auth: 'admin',
  });

/** Adjusts stock at a location (inventory's default location when none is given). */
export const adjustStock = (productId: string, adjustment: StockAdjustment) =>
  call<StockLevel>('POST', `/inventory/stock/${encodeURIComponent(productId)}/adjustments`, {
    body: adjustment,
    auth: 'admin',
  });

/** Records a cycle count at a location: the difference from on hand becomes a `counted` movement. */
export const countStock = (productId: string, count: StockCount) =>
  call<StockLevel>('POST', `/inventory/stock/${encodeURIComponent(productId)}/counts`, {
    body: count,
    auth: 'admin',
  });

export const setLowStockThreshold = (productId: string, lowStockThreshold: number) =>
  call<StockLevel>('PATCH', `/inventory/stock/${encodeURIComponent(productId)}`, {
    body: { lowStockThreshold },
    auth: 'admin',
  });

// Inventory across locations (admin; issue 14): bodies as packages/contracts defines them.

export const listLocations = () =>
  call<{ items: Location[] }>('GET', '/inventory/locations', { auth: 'admin' }).then((res) => res.items);

export const createLocation = (location: NewLocation) =>
  call<Location>('POST', '/inventory/locations', { body: location, auth: 'admin' });

export const updateLocation = (id: string, changes: LocationChanges) =>
  call<Location>('PATCH', `/inventory/locations/${encodeURIComponent(id)}`, { body: changes, auth: 'admin' });

/** Movements, newest first. */
export const listMovements = (params: MovementListQuery = {}) =>
  call<Page<Movement>>('GET', `/inventory/movements${query({ ...params })}`, { auth: 'admin' });

export const listTransfers = (params: TransferQuery = {}) =>
  call<Page<Transfer>>('GET', `/inventory/transfers${query({ ...params })}`, { auth: 'admin' });

export const requestTransfer = (transfer: NewTransfer) =>
  call<Transfer>('POST', '/inventory/transfers', { body: transfer, auth: 'admin' });

export const dispatchTransfer = (id: string) =>
  call<Transfer>('POST', `/inventory/transfers/${encodeURIComponent(id)}/dispatch`, { auth: 'admin' });

/** Receives a dispatched transfer; a quantity other than what left needs a reason. */
export const receiveTransfer = (id: string, received: ReceiveTransfer) =>
  call<Transfer>('POST', `/inventory/transfers/${encodeURIComponent(id)}/receive`, {
    body: received,
    auth: 'admin',
  });

export const cancelTransfer = (id: string) =>
  call<Transfer>('POST', `/inventory/transfers/${encodeURIComponent(id)}/cancel`, { auth: 'admin' });

/** Sends a CSV of stock counts: a preview when `dryRun`, else applied (once per file). */
export const importCsv = (csv: string, dryRun: boolean) =>
  call<ImportResult>('POST', `/inventory/imports${query({ dryRun })}`, {
    body: csv,
    contentType: 'text/csv',
    auth: 'admin',
  });

/** Sends a CSV of products (catalog, a manager's): a preview when `dryRun`, else applied once per file. */
export const importProductsCsv = (csv: string, dryRun: boolean) =>
  call<ProductImportResult>('POST', `/catalog/imports${query({ dryRun })}`, {
    body: csv,
    contentType: 'text/csv',
    auth: 'admin',
  });

/** Products whose available plus in-transit stock is at or below their low-stock level. */
export const listReorder = () =>
  call<{ items: ReorderEntry[] }>('GET', '/inventory/reorder', { auth: 'admin' }).then((res) => res.items);

/** A CSV export as a file (fetched with the session, as a blob the page saves). */
export const exportCsv = (name: 'stock.csv' | 'movements.csv', params: MovementListQuery = {}) =>
  call<Blob>('GET', `/inventory/export/${name}${query({ ...params })}`, { auth: 'admin', as: 'blob' });

/** Ships one shipment of an order (the lines one location holds). */
export const shipShipment = (orderId: string, shipmentId: string) =>
  call<Order>(
    'POST',
    `/orders/${encodeURIComponent(orderId)}/shipments/${encodeURIComponent(shipmentId)}/ship`,
    { auth: 'admin' },
  );

// Staff (web's own: who may do what)

export const listStaff = () => call<{ items: StaffMember[] }>('GET', '/staff/users', { auth: 'admin' });

export const setStaffRole = (id: string, role: StaffRole | null) =>
  call<StaffMember>('PUT', `/staff/users/${encodeURIComponent(id)}/role`, { body: { role }, auth: 'admin' });

// Orders

/** Places an order; the same key with the same body returns the same order (a double click, a retry). */
export const submitOrder = (order: PlaceOrder, idempotencyKey: string) =>
  call<PlacedOrder>('POST', '/orders', { body: order, idempotencyKey });

/** An order, as admin. */
export const getOrder = (id: string) =>
  call<Order>('GET', `/orders/${encodeURIComponent(id)}`, { auth: 'admin' });

export const cancelOrderAsStaff = (id: string) =>
  call<Order>('POST', `/orders/${encodeURIComponent(id)}/cancel`, { auth: 'admin' });

/**
 * Exchanges the token of a kept order link (in its fragment, never sent to a server) for the
 * order's cookie, in a header: the answer is the order, and from then on this browser reaches the
 * order, its live stream and its cancel with the cookie alone (HttpOnly, SameSite=Strict).
 */
export const openOrderWithToken = (id: string, token: string) =>
  call<Order>('POST', `/orders/${encodeURIComponent(id)}/session`, { auth: { token } });

/** The shopper's order, with the cookie set when it was placed or its link opened. */
export const getMyOrder = (id: string) => call<Order>('GET', `/orders/${encodeURIComponent(id)}`);

export const cancelMyOrder = (id: string) => call<Order>('POST', `/orders/${encodeURIComponent(id)}/cancel`);

export const shipOrderAsStaff = (id: string) =>
  call<Order>('POST', `/orders/${encodeURIComponent(id)}/ship`, { auth: 'admin' });

/** Staff record that a shipped order reached the shopper (clerk): returns open until `returnUntil`. */
export const deliverOrder = (id: string) =>
  call<Order>('POST', `/orders/${encodeURIComponent(id)}/deliver`, { auth: 'admin' });

/** The shopper asks to send back some delivered lines (with the order's cookie, as cancel). */
export const requestMyReturn = (id: string, request: RequestReturn) =>
  call<Order>('POST', `/orders/${encodeURIComponent(id)}/returns`, { body: request });

const returnPath = (orderId: string, returnId: string, step: 'receive' | 'inspect') =>
  `/orders/${encodeURIComponent(orderId)}/returns/${encodeURIComponent(returnId)}/${step}`;

/** The returned parcel arrived at a location (clerk). */
export const receiveReturn = (orderId: string, returnId: string, received: ReceiveReturn) =>
  call<Order>('POST', returnPath(orderId, returnId, 'receive'), { body: received, auth: 'admin' });

/** Every returned unit restocked or written off (clerk); payments then refunds. */
export const inspectReturn = (orderId: string, returnId: string, inspection: InspectReturn) =>
  call<Order>('POST', returnPath(orderId, returnId, 'inspect'), { body: inspection, auth: 'admin' });

/** Returns across orders, by status (orders' `GET /returns`). */
export const listReturns = (params: ReturnQuery = {}) =>
  call<Page<OrderReturn>>('GET', `/orders/returns${query({ ...params })}`, { auth: 'admin' });

export const listOrders = (params: OrderQuery = {}) =>
  call<Page<Order>>('GET', `/orders${query({ ...params })}`, { auth: 'admin' });

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface OrderWatch {
  stop(): void;
}

/**
 * Follows an order's status over server-sent events: `onOrder` gets the whole order at once and
 * after every change. The browser reconnects by itself after a drop; `onState` tells the screen.
 * It authenticates with the order's cookie (an EventSource sends same-origin cookies): no token in
 * its URL.
 */
export function watchOrder(
  id: string,
  onOrder: (order: Order) => void,
  onState: (state: StreamState) => void = () => undefined,
): OrderWatch {
  const source = new EventSource(url(`/orders/${encodeURIComponent(id)}/events`));
  onState('connecting');
  source.addEventListener('open', () => onState('live'));
  source.addEventListener('order', (event) => {
    try {
      onOrder(JSON.parse((event as MessageEvent<string>).data) as Order);
    } catch {
      // A malformed event changes nothing; the next one carries the whole order again.
    }
  });
  source.addEventListener('error', () =>
    onState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'),
  );
  return {
    stop() {
      source.close();
    },
  };
}

// Ledger (admin)

/** Recorded events, newest first (by arrival). */
export const listLedgerEvents = (params: LedgerEventQuery = {}) =>
  call<Page<LedgerEvent>>('GET', `/ledger/events${query({ ...params })}`, { auth: 'admin' });

/** Dead letters, latest failure first. */
export const listDeadLetters = (params: DeadLetterQuery = {}) =>
  call<Page<DeadLetter>>('GET', `/ledger/dead-letters${query({ ...params })}`, { auth: 'admin' });

export const getDeadLetter = (id: string) =>
  call<DeadLetter>('GET', `/ledger/dead-letters/${encodeURIComponent(id)}`, { auth: 'admin' });

/** Re-sends the dead letter's event to the broker (same id and source: consumers that applied it ignore it). */
export const replayDeadLetter = (id: string) =>
  call<DeadLetter>('POST', `/ledger/dead-letters/${encodeURIComponent(id)}/replay`, { auth: 'admin' });

/** Replays up to 100 dead letters in one go. */
export const replayDeadLetters = (ids: readonly string[]) =>
  call<BulkReplayResult>('POST', '/ledger/dead-letters/replay', { body: { ids }, auth: 'admin' });

export const discardDeadLetter = (id: string) =>
  call<void>('DELETE', `/ledger/dead-letters/${encodeURIComponent(id)}`, { auth: 'admin' });

export interface LedgerWatch {
  stop(): void;
}

/**
 * Follows the events the ledger records from now on (server-sent events; the browser sends web's
 * session cookie, and web the staff token). After a drop, or when the ledger reports
 * the stream `interrupted`, the browser reconnects with the last id it saw and nothing is skipped.
 */
export function watchLedgerEvents(
  filter: LedgerEventFilter,
  onEvent: (event: LedgerEvent) => void,
  onState: (state: StreamState) => void = () => undefined,
): LedgerWatch {
  const source = new EventSource(url(`/ledger/events/stream${query({ ...filter })}`));
  onState('connecting');
  source.addEventListener('open', () => onState('live'));
  source.addEventListener('ledger-event', (message) => {
    try {
      onEvent(JSON.parse((message as MessageEvent<string>).data) as LedgerEvent);
    } catch {
      // A malformed message is skipped; the next one stands on its own.
    }
  });
  source.addEventListener('interrupted', () => onState('reconnecting'));
  source.addEventListener('error', () =>
    onState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'),
  );
  return {
    stop() {
      source.close();
    },
  };
}

/** The admin overview's figures, each from the function that owns it. */
export const getOrderStats = (hours = 24) =>
  call<OrderStats>('GET', `/orders/stats${query({ hours })}`, { auth: 'admin' });
export const getLowStockCount = () =>
  call<LowStockCount>('GET', '/inventory/stock/low/count', { auth: 'admin' });
export const getLedgerStats = () => call<LedgerStats>('GET', '/ledger/stats', { auth: 'admin' });

/** The emails of one order, oldest first. */
export const listOrderMessages = (orderId: string) =>
  call<{ items: OrderMessage[] }>('GET', `/notifications/messages${query({ orderId })}`, { auth: 'admin' });
