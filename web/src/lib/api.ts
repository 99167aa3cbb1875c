/**
 * @module Every call the SPA makes to the server, through web's `/api/<function>/…` (docs/api.md).
 * Failures are `ApiError`s carrying the problem+json body, so screens can show what went wrong and,
 * for forms, which field. Admin calls carry the session's admin token; a refused token is forgotten
 * so the admin screens ask for it again.
 */
import type {
  MessageStatus,
  NewProduct,
  Order,
  OrderMessage,
  OrderStatus,
  Page,
  PlacedOrder,
  Product,
  ProductChanges,
  Shortage,
} from '@stockflow/contracts';
import { adminToken, signOut } from './admin-session.ts';

export type {
  MessageStatus,
  NewProduct,
  Order,
  OrderMessage,
  OrderStatus,
  Page,
  PlacedOrder,
  Product,
  ProductChanges,
  Shortage,
};

/** What a shopper may see of a product's stock. */
export interface Availability {
  productId: string;
  available: number;
}

/** What a manager sees of a product's stock. */
export interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  available: number;
  lowStockThreshold: number;
  low: boolean;
  updatedAt: string;
}

export interface FieldProblem {
  path: string;
  message: string;
}

/** An RFC 9457 problem as the functions send it. */
export interface ProblemDetails {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldProblem[];
  [extension: string]: unknown;
}

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
}

const url = (path: string) => new URL(`/api${path}`, window.location.origin).toString();

function query(params: Record<string, string | number | boolean | undefined | null>): string {
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
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const bearer = options.auth === 'admin' ? adminToken() : options.auth?.token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(url(path), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
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
    if (res.status === 401 && options.auth === 'admin') signOut();
    throw new ApiError(problem);
  }
  if (res.status === 204 || res.headers.get('content-length') === '0') return undefined as T;
  return (await res.json()) as T;
}

// Catalog

export interface ProductQuery {
  q?: string;
  category?: string;
  cursor?: string;
  limit?: number;
}

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

export interface StockQuery {
  low?: boolean;
  cursor?: string;
  limit?: number;
}

export const listStock = (params: StockQuery = {}) =>
  call<Page<StockLevel>>('GET', `/inventory/stock${query({ ...params, low: params.low || undefined })}`, {
    auth: 'admin',
  });

export const adjustStock = (productId: string, delta: number, reason: string) =>
  call<StockLevel>('POST', `/inventory/stock/${encodeURIComponent(productId)}/adjustments`, {
    body: { delta, reason },
    auth: 'admin',
  });

export const setLowStockThreshold = (productId: string, lowStockThreshold: number) =>
  call<StockLevel>('PATCH', `/inventory/stock/${encodeURIComponent(productId)}`, {
    body: { lowStockThreshold },
    auth: 'admin',
  });

/** Checks a token before keeping it: any admin read refuses a wrong one with 401. */
export async function checkAdminToken(token: string): Promise<boolean> {
  try {
    await call('GET', `/inventory/stock${query({ limit: 1 })}`, { auth: { token } });
    return true;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return false;
    throw error;
  }
}

// Orders

export interface PlaceOrderInput {
  items: Array<{ productId: string; quantity: number }>;
  customer: { name: string; email: string };
}

/** Places an order; the same key with the same body returns the same order (a double click, a retry). */
export const placeOrder = (order: PlaceOrderInput, idempotencyKey: string) =>
  call<PlacedOrder>('POST', '/orders', { body: order, idempotencyKey });

/** An order, read with its token (shopper) or, without one, as admin. */
export const getOrder = (id: string, token?: string) =>
  call<Order>('GET', `/orders/${encodeURIComponent(id)}`, { auth: token ? { token } : 'admin' });

export const cancelOrder = (id: string, token?: string) =>
  call<Order>('POST', `/orders/${encodeURIComponent(id)}/cancel`, { auth: token ? { token } : 'admin' });

export const shipOrder = (id: string) =>
  call<Order>('POST', `/orders/${encodeURIComponent(id)}/ship`, { auth: 'admin' });

export interface OrderQuery {
  status?: OrderStatus;
  cursor?: string;
  limit?: number;
}

export const listOrders = (params: OrderQuery = {}) =>
  call<Page<Order>>('GET', `/orders${query({ ...params })}`, { auth: 'admin' });

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface OrderWatch {
  stop(): void;
}

/**
 * Follows an order's status over server-sent events: `onOrder` gets the whole order at once and
 * after every change. The browser reconnects by itself after a drop; `onState` tells the screen.
 */
export function watchOrder(
  id: string,
  token: string,
  onOrder: (order: Order) => void,
  onState: (state: StreamState) => void = () => undefined,
): OrderWatch {
  const source = new EventSource(url(`/orders/${encodeURIComponent(id)}/events${query({ token })}`));
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

/** A CloudEvent as the ledger received it: its context attributes, extensions and data. */
export interface CloudEventRecord {
  specversion: string;
  id: string;
  source: string;
  type: string;
  time?: string;
  subject?: string;
  datacontenttype?: string;
  data?: unknown;
  [extension: string]: unknown;
}

/** An event in the ledger: `id` is the ledger's own key, `event` the CloudEvent as received. */
export interface LedgerEvent {
  id: string;
  recordedAt: string;
  event: CloudEventRecord;
}

export type DeadLetterStatus = 'dead' | 'replayed';

/** An event Knative gave up delivering to one destination, and what became of it. */
export interface DeadLetter {
  id: string;
  status: DeadLetterStatus;
  /** Where delivery failed (Knative's `knativeerrordest`). */
  destination: string | null;
  /** The destination's last HTTP status; null when it never answered. */
  errorCode: number | null;
  /** The destination's last answer as text (`base64:…` when it was not UTF-8); null when empty. */
  errorData: string | null;
  failures: number;
  firstDeadAt: string;
  deadAt: string;
  replays: number;
  replayedAt: string | null;
  event: CloudEventRecord;
}

/** Exact matches on the event's attributes. */
export interface LedgerEventFilter {
  type?: string;
  subject?: string;
  source?: string;
}

export interface LedgerEventQuery extends LedgerEventFilter {
  since?: string;
  cursor?: string;
  limit?: number;
}

/** Recorded events, newest first (by arrival). */
export const listLedgerEvents = (params: LedgerEventQuery = {}) =>
  call<Page<LedgerEvent>>('GET', `/ledger/events${query({ ...params })}`, { auth: 'admin' });

export interface DeadLetterQuery {
  status?: DeadLetterStatus;
  cursor?: string;
  limit?: number;
}

/** Dead letters, latest failure first. */
export const listDeadLetters = (params: DeadLetterQuery = {}) =>
  call<Page<DeadLetter>>('GET', `/ledger/dead-letters${query({ ...params })}`, { auth: 'admin' });

export const getDeadLetter = (id: string) =>
  call<DeadLetter>('GET', `/ledger/dead-letters/${encodeURIComponent(id)}`, { auth: 'admin' });

/** Re-sends the dead letter's event to the broker (same id and source: consumers that applied it ignore it). */
export const replayDeadLetter = (id: string) =>
  call<DeadLetter>('POST', `/ledger/dead-letters/${encodeURIComponent(id)}/replay`, { auth: 'admin' });

export interface BulkReplay {
  replayed: string[];
  notFound: string[];
}

/** Replays up to 100 dead letters in one go. */
export const replayDeadLetters = (ids: readonly string[]) =>
  call<BulkReplay>('POST', '/ledger/dead-letters/replay', { body: { ids }, auth: 'admin' });

export const discardDeadLetter = (id: string) =>
  call<void>('DELETE', `/ledger/dead-letters/${encodeURIComponent(id)}`, { auth: 'admin' });

export interface LedgerWatch {
  stop(): void;
}

/**
 * Follows the events the ledger records from now on (server-sent events; the admin token goes in
 * the URL, which `EventSource` cannot send headers for). After a drop, or when the ledger reports
 * the stream `interrupted`, the browser reconnects with the last id it saw and nothing is skipped.
 */
export function watchLedgerEvents(
  filter: LedgerEventFilter,
  onEvent: (event: LedgerEvent) => void,
  onState: (state: StreamState) => void = () => undefined,
): LedgerWatch {
  const source = new EventSource(url(`/ledger/events/stream${query({ ...filter, token: adminToken() })}`));
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

/** The emails of one order, oldest first. */
export const listOrderMessages = (orderId: string) =>
  call<{ items: OrderMessage[] }>('GET', `/notifications/messages${query({ orderId })}`, { auth: 'admin' });
