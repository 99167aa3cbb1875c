/**
 * @module An in-memory Stockflow behind msw handlers that follow docs/api.md: catalog, inventory
 * and orders with admin and order-token checks, cursor paging, idempotent order placement and an
 * order event stream. Screens are tested against its behaviour; each test builds its own.
 */
import { Address as AddressSchema, type InspectReturn, type RequestReturn } from '@stockflow/contracts';
import { HttpResponse, http } from 'msw';
import type {
  Address,
  Order,
  OrderReturn,
  OrderStatus,
  Product,
  ProductImportResult,
  StockLevel,
} from '../lib/api.ts';
import { createFakeSession, type FakeSession } from './fake-session.ts';

const NOW = '2026-11-27T10:00:00.000Z';

/** Until when a delivered order may be returned: well ahead of any test run. */
export const RETURN_UNTIL = '2099-01-01T00:00:00.000Z';

/** A delivery address the contracts accept, for orders the tests start from. */
export const ADDRESS: Address = {
  line1: 'Hauptstraße 1',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};

export function product(overrides: Partial<Product> & Pick<Product, 'id' | 'name'>): Product {
  return {
    sku: overrides.id.toUpperCase(),
    priceCents: 1200,
    currency: 'EUR',
    status: 'active',
    version: 1,
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  };
}

export const problem = (
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
) =>
  HttpResponse.json(
    { type: 'about:blank', title, status, detail, ...extra },
    {
      status,
      headers: { 'content-type': 'application/problem+json' },
    },
  );

/** A page of `items` as the functions answer a cursor-paged list (the cursor is an offset here). */
export function page<T>(items: T[], url: URL, fallbackLimit = 24) {
  const limit = Number(url.searchParams.get('limit') ?? fallbackLimit);
  const start = Number(url.searchParams.get('cursor') ?? 0);
  const slice = items.slice(start, start + limit);
  return { items: slice, nextCursor: start + limit < items.length ? String(start + limit) : null };
}

export interface FakeShopOptions {
  products?: Product[];
  /** onHand per product id (reserved starts at 0). */
  stock?: Record<string, number>;
  lowStockThreshold?: number;
  /** web's staff session (nobody signed in when absent). */
  session?: FakeSession;
}

export function createFakeShop(options: FakeShopOptions = {}) {
  const products = new Map((options.products ?? []).map((p) => [p.id, p]));
  const stock = new Map<string, { onHand: number; reserved: number; lowStockThreshold: number }>();
  for (const [id, onHand] of Object.entries(options.stock ?? {})) {
    stock.set(id, { onHand, reserved: 0, lowStockThreshold: options.lowStockThreshold ?? 3 });
  }
  const orders = new Map<string, { order: Order; token: string; key?: string; body: string }>();
  const watchers = new Map<string, Set<(order: Order) => void>>();
  const requests: Array<{ method: string; path: string; url: string; headers: Headers; body?: unknown }> = [];
  let nextId = 1;

  const session = options.session ?? createFakeSession();
  // web replaces the browser's Authorization with a staff token when the session has a role.
  const isAdmin = (_request: Request) => session.allows();
  const levelOf = (productId: string): StockLevel => {
    const s = stock.get(productId) ?? {
      onHand: 0,
      reserved: 0,
      lowStockThreshold: options.lowStockThreshold ?? 3,
    };
    const available = s.onHand - s.reserved;
    const low = available <= s.lowStockThreshold;
    // All of it in the default location: the shop before locations existed.
    const here = {
      locationId: 'default',
      onHand: s.onHand,
      reserved: s.reserved,
      available,
      inTransit: 0,
      low,
    };
    return { productId, ...s, available, inTransit: 0, low, updatedAt: NOW, locations: [here] };
  };
  /**
   * Orders whose cookie this browser holds (set when placed or by POST /orders/:id/session). The
   * real one is HttpOnly: msw cannot see a cookie jar, so the fake keeps it.
   */
  const cookies = new Set<string>();
  const orderAccess = (request: Request, id: string) => {
    const entry = orders.get(id);
    if (!entry) return undefined;
    const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '');
    const opens = bearer === undefined ? cookies.has(id) : bearer === entry.token;
    return isAdmin(request) || opens ? entry : undefined;
  };

  function setStatus(id: string, status: OrderStatus, extra: Partial<Order> = {}) {
    const entry = orders.get(id)!;
    entry.order = {
      ...entry.order,
      ...extra,
      status,
      timeline: [...entry.order.timeline, { status, at: NOW }],
      updatedAt: NOW,
    };
    for (const notify of watchers.get(id) ?? []) notify(entry.order);
    return entry.order;
  }

  /** Replaces an order's returns (same status), and tells its event streams. */
  function updateReturns(id: string, returns: NonNullable<Order['returns']>) {
    const entry = orders.get(id)!;
    entry.order = { ...entry.order, returns, updatedAt: NOW };
    for (const notify of watchers.get(id) ?? []) notify(entry.order);
    return entry.order;
  }

  async function record(request: Request) {
    const body =
      request.method === 'GET'
        ? undefined
        : await request
            .clone()
            .json()
            .catch(() => undefined);
    requests.push({
      method: request.method,
      path: new URL(request.url).pathname,
      url: request.url,
      headers: request.headers,
      body,
    });
  }

  const importedFiles = new Set<string>();
  /** A products CSV as catalog reads it (docs/api.md), simplified: no quoted fields. */
  function planProductImport(csv: string): Pick<ProductImportResult, 'rows' | 'errors'> {
    const result: Pick<ProductImportResult, 'rows' | 'errors'> = { rows: [], errors: [] };
    const [head = '', ...lines] = csv.split(/\r?\n/);
    const columns = head.split(',').map((name) => name.trim());
    if (!['sku', 'name', 'priceCents', 'currency'].every((name) => columns.includes(name))) {
      result.errors.push({ line: 1, message: 'the header must name sku, name, priceCents, currency' });
      return result;
    }
    lines.forEach((text, index) => {
      const line = index + 2;
      if (!text.trim()) return;
      const cells = Object.fromEntries(text.split(',').map((value, i) => [columns[i], value.trim()]));
      if (!/^\d+$/.test(cells.priceCents ?? '')) {
        result.errors.push({
          line,
          message: `priceCents must be a whole number of cents, not "${cells.priceCents}"`,
        });
        return;
      }
      const after = { name: cells.name, priceCents: Number(cells.priceCents), currency: cells.currency };
      const existing = [...products.values()].find((p) => p.sku === cells.sku);
      const fields: ProductImportResult['rows'][number]['fields'] = {};
      for (const [field, value] of Object.entries(after)) {
        const before = existing?.[field as keyof typeof after];
        if (before !== value) fields[field] = { ...(before === undefined ? {} : { before }), after: value };
      }
      const change = !existing ? 'create' : Object.keys(fields).length ? 'update' : 'unchanged';
      result.rows.push({ line, sku: cells.sku!, productId: existing?.id, change, fields });
    });
    return result;
  }

  const handlers = [
    http.all('*/api/*', async ({ request }) => {
      await record(request);
      return undefined;
    }),
    http.get('*/api/catalog/products', ({ request }) => {
      const url = new URL(request.url);
      const q = (url.searchParams.get('q') ?? '').toLowerCase();
      const category = url.searchParams.get('category');
      const matching = [...products.values()].filter(
        (p) =>
          p.status === 'active' &&
          (!q || p.name.toLowerCase().startsWith(q) || p.sku.toLowerCase().startsWith(q)) &&
          (!category || p.category === category),
      );
      return HttpResponse.json(page(matching, url));
    }),
    http.get('*/api/catalog/categories', () =>
      HttpResponse.json({
        items: [
          ...new Set(
            [...products.values()].flatMap((p) => (p.status === 'active' && p.category ? [p.category] : [])),
          ),
        ].sort(),
      }),
    ),
    http.get('*/api/catalog/products/:id', ({ params }) => {
      // msw leaves path parameters encoded; the real router decodes them.
      const found = products.get(decodeURIComponent(String(params.id)));
      return found ? HttpResponse.json(found) : problem(404, 'Not Found', 'No such product.');
    }),
    http.post('*/api/catalog/products', async ({ request }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const body = (await request.json()) as Omit<
        Product,
        'id' | 'status' | 'version' | 'createdAt' | 'updatedAt'
      >;
      if ([...products.values()].some((p) => p.sku === body.sku))
        return problem(409, 'Conflict', 'Duplicate sku.');
      const created = product({ ...body, id: `p-new-${nextId++}` });
      products.set(created.id, created);
      return HttpResponse.json(created, { status: 201 });
    }),
    http.patch('*/api/catalog/products/:id', async ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const existing = products.get(String(params.id));
      if (!existing) return problem(404, 'Not Found');
      if (existing.status === 'archived') return problem(409, 'Conflict', 'The product is archived.');
      const changes = (await request.json()) as Record<string, unknown>;
      const updated = { ...existing, version: existing.version + 1 } as Record<string, unknown>;
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) delete updated[key];
        else updated[key] = value;
      }
      products.set(existing.id, updated as Product);
      return HttpResponse.json(updated);
    }),
    http.post('*/api/catalog/products/:id/archive', ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const existing = products.get(String(params.id));
      if (!existing) return problem(404, 'Not Found');
      const archived: Product = { ...existing, status: 'archived' };
      products.set(existing.id, archived);
      return HttpResponse.json(archived);
    }),
    http.post('*/api/catalog/imports', async ({ request }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      if (!session.allows('manager')) return problem(403, 'Forbidden', 'Importing products needs a manager.');
      const csv = await request.text();
      const dryRun = new URL(request.url).searchParams.get('dryRun') !== 'false';
      const { rows, errors } = planProductImport(csv);
      const fileHash = `sha-${csv.length}`;
      const alreadyApplied = !dryRun && importedFiles.has(fileHash);
      if (!dryRun && errors.length) return problem(422, 'Unprocessable Content', 'The file has errors.');
      const applying = !dryRun && !alreadyApplied;
      if (applying) {
        importedFiles.add(fileHash);
        for (const row of rows) {
          if (row.change === 'unchanged') continue;
          const values = Object.fromEntries(
            Object.entries(row.fields).map(([field, { after }]) => [field, after]),
          );
          const current = row.productId
            ? products.get(row.productId)!
            : product({ id: `p-new-${nextId++}`, name: '', sku: row.sku });
          products.set(current.id, { ...current, ...values });
        }
      }
      const result: ProductImportResult = {
        fileHash,
        dryRun,
        applied: applying,
        alreadyApplied,
        rows,
        errors,
      };
      return HttpResponse.json(result);
    }),
    http.get('*/api/inventory/stock', ({ request }) => {
      const url = new URL(request.url);
      const ids = url.searchParams.get('ids');
      if (ids) {
        return HttpResponse.json({
          items: ids.split(',').map((productId) => ({ productId, available: levelOf(productId).available })),
        });
      }
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const levels = [...stock.keys()]
        .map(levelOf)
        .filter((level) => url.searchParams.get('low') !== 'true' || level.low);
      return HttpResponse.json(page(levels, url, 50));
    }),
    http.get('*/api/inventory/stock/:productId', ({ request, params }) => {
      const level = levelOf(decodeURIComponent(String(params.productId)));
      return HttpResponse.json(
        isAdmin(request) ? level : { productId: level.productId, available: level.available },
      );
    }),
    http.patch('*/api/inventory/stock/:productId', async ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const { lowStockThreshold } = (await request.json()) as { lowStockThreshold: number };
      const id = String(params.productId);
      const current = stock.get(id) ?? { onHand: 0, reserved: 0, lowStockThreshold: 0 };
      stock.set(id, { ...current, lowStockThreshold });
      return HttpResponse.json(levelOf(id));
    }),
    http.post('*/api/inventory/stock/:productId/adjustments', async ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const { delta, reason } = (await request.json()) as { delta: number; reason: string };
      const id = String(params.productId);
      const current = stock.get(id) ?? {
        onHand: 0,
        reserved: 0,
        lowStockThreshold: options.lowStockThreshold ?? 3,
      };
      if (current.onHand + delta < current.reserved) {
        return problem(409, 'Conflict', `onHand cannot drop below the ${current.reserved} reserved.`);
      }
      if (!reason)
        return problem(400, 'Bad Request', 'invalid', { errors: [{ path: 'reason', message: 'required' }] });
      stock.set(id, { ...current, onHand: current.onHand + delta });
      return HttpResponse.json(levelOf(id));
    }),
    http.post('*/api/orders', async ({ request }) => {
      const raw = await request.text();
      const body = JSON.parse(raw) as {
        items: Array<{ productId: string; quantity: number }>;
        customer: Order['customer'];
      };
      const address = AddressSchema.safeParse(body.customer?.address);
      if (!address.success) {
        const errors = address.error.issues.map((issue) => ({
          path: ['customer', 'address', ...issue.path].join('.'),
          message: issue.message,
        }));
        return problem(400, 'Bad Request', 'The order is not valid.', { errors });
      }
      const key = request.headers.get('idempotency-key') ?? undefined;
      const previous = key ? [...orders.values()].find((entry) => entry.key === key) : undefined;
      if (previous) {
        if (previous.body !== raw)
          return problem(422, 'Unprocessable Content', 'This key was used for another order.');
        const { order, token } = previous;
        return HttpResponse.json(
          {
            id: order.id,
            status: order.status,
            token,
            items: order.items,
            totalCents: order.totalCents,
            currency: order.currency,
          },
          { status: 202 },
        );
      }
      const lines = body.items.map((line) => ({ line, product: products.get(line.productId) }));
      const missing = lines.find((l) => l.product?.status !== 'active');
      if (missing)
        return problem(422, 'Unprocessable Content', `Product ${missing.line.productId} cannot be ordered.`);
      const id = `o-${nextId++}`;
      const items = lines.map(({ line, product: p }) => ({
        productId: line.productId,
        name: p!.name,
        quantity: line.quantity,
        unitPriceCents: p!.priceCents,
      }));
      const order: Order = {
        id,
        status: 'pending',
        items,
        totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
        currency: lines[0]!.product!.currency,
        customer: body.customer,
        timeline: [{ status: 'pending', at: NOW }],
        createdAt: NOW,
        updatedAt: NOW,
      };
      const token = `token-${id}`;
      orders.set(id, { order, token, key, body: raw });
      cookies.add(id);
      return HttpResponse.json(
        { id, status: 'pending', token, items, totalCents: order.totalCents, currency: order.currency },
        { status: 202 },
      );
    }),
    http.get('*/api/orders', ({ request }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const url = new URL(request.url);
      const status = url.searchParams.get('status');
      const list = [...orders.values()]
        .map((e) => e.order)
        .filter((o) => !status || o.status === status)
        .reverse();
      return HttpResponse.json(page(list, url, 50));
    }),
    http.get('*/api/orders/returns', ({ request }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const url = new URL(request.url);
      const status = url.searchParams.get('status');
      const list: OrderReturn[] = [...orders.values()].flatMap(({ order }) =>
        (order.returns ?? [])
          .filter((entry) => !status || entry.status === status)
          .map((entry) => ({ ...entry, orderId: order.id })),
      );
      return HttpResponse.json(page(list, url, 50));
    }),
    http.get('*/api/orders/:id/events', ({ request, params }) => {
      const id = String(params.id);
      const entry = orderAccess(request, id);
      if (!entry) return problem(404, 'Not Found');
      const encoder = new TextEncoder();
      let notify: ((order: Order) => void) | undefined;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          notify = (order) =>
            controller.enqueue(encoder.encode(`event: order\ndata: ${JSON.stringify(order)}\n\n`));
          notify(entry.order);
          if (!watchers.has(id)) watchers.set(id, new Set());
          watchers.get(id)!.add(notify);
          const stop = notify;
          request.signal.addEventListener('abort', () => watchers.get(id)?.delete(stop));
        },
        cancel() {
          if (notify) watchers.get(id)?.delete(notify);
        },
      });
      return new HttpResponse(stream, {
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
      });
    }),
    http.post('*/api/orders/:id/session', ({ request, params }) => {
      const id = String(params.id);
      const bearer = request.headers.get('authorization')?.replace(/^Bearer /, '');
      const entry = orders.get(id);
      if (!entry || bearer !== entry.token) return problem(404, 'Not Found');
      cookies.add(id);
      return HttpResponse.json(entry.order);
    }),
    http.get('*/api/orders/:id', ({ request, params }) => {
      const entry = orderAccess(request, String(params.id));
      return entry ? HttpResponse.json(entry.order) : problem(404, 'Not Found');
    }),
    http.post('*/api/orders/:id/cancel', ({ request, params }) => {
      const entry = orderAccess(request, String(params.id));
      if (!entry) return problem(404, 'Not Found');
      if (!['pending', 'awaiting-payment', 'confirmed'].includes(entry.order.status)) {
        return problem(409, 'Conflict', `A ${entry.order.status} order cannot be cancelled.`);
      }
      const cancelCause = isAdmin(request) ? 'staff' : 'customer';
      return HttpResponse.json(setStatus(entry.order.id, 'cancelled', { cancelCause }));
    }),
    http.post('*/api/orders/:id/shipments/:shipmentId/ship', ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const entry = orders.get(String(params.id));
      const shipment = entry?.order.shipments?.find((s) => s.id === params.shipmentId);
      if (!entry || !shipment) return problem(404, 'Not Found');
      if (!['confirmed', 'partially-shipped'].includes(entry.order.status) || shipment.status === 'shipped') {
        return problem(409, 'Conflict', 'This shipment cannot ship now.');
      }
      const shipments = entry.order.shipments!.map((s) =>
        s === shipment ? { ...s, status: 'shipped' as const, shippedAt: NOW } : s,
      );
      const all = shipments.every((s) => s.status === 'shipped');
      return HttpResponse.json(
        setStatus(entry.order.id, all ? 'shipped' : 'partially-shipped', { shipments }),
      );
    }),
    http.post('*/api/orders/:id/deliver', ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      if (!session.allows('clerk')) return problem(403, 'Forbidden', 'Delivering needs a clerk.');
      const entry = orders.get(String(params.id));
      if (!entry) return problem(404, 'Not Found');
      if (entry.order.status !== 'shipped')
        return problem(409, 'Conflict', 'Only shipped orders are delivered.');
      return HttpResponse.json(
        setStatus(entry.order.id, 'delivered', { deliveredAt: NOW, returnUntil: RETURN_UNTIL }),
      );
    }),
    http.post('*/api/orders/:id/returns', async ({ request, params }) => {
      const entry = orderAccess(request, String(params.id));
      if (!entry) return problem(404, 'Not Found');
      const { order } = entry;
      if (order.status !== 'delivered' || !order.returnUntil || Date.parse(order.returnUntil) <= Date.now()) {
        return problem(409, 'Conflict', 'This order cannot be returned.');
      }
      const body = (await request.json()) as RequestReturn;
      const returned = new Map<string, number>();
      for (const r of order.returns ?? [])
        for (const item of r.items)
          returned.set(item.productId, (returned.get(item.productId) ?? 0) + item.quantity);
      for (const item of body.items) {
        const line = order.items.find((i) => i.productId === item.productId);
        if (!line || item.quantity > line.quantity - (returned.get(item.productId) ?? 0)) {
          return problem(422, 'Unprocessable Content', `Too many of ${item.productId} to return.`);
        }
      }
      const created = {
        id: `r-${(order.returns?.length ?? 0) + 1}`,
        status: 'requested' as const,
        items: body.items,
        ...(body.reason ? { reason: body.reason } : {}),
        requestedAt: NOW,
        updatedAt: NOW,
      };
      return HttpResponse.json(updateReturns(order.id, [...(order.returns ?? []), created]), { status: 201 });
    }),
    http.post('*/api/orders/:id/returns/:returnId/:step', async ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      if (!session.allows('clerk')) return problem(403, 'Forbidden', 'Returns need a clerk.');
      const entry = orders.get(String(params.id));
      const target = entry?.order.returns?.find((r) => r.id === params.returnId);
      if (!entry || !target) return problem(404, 'Not Found');
      const body = (await request.json()) as { locationId?: string } & Partial<InspectReturn>;
      let changed: typeof target;
      if (params.step === 'receive' && target.status === 'requested') {
        changed = { ...target, status: 'received', locationId: body.locationId };
      } else if (params.step === 'inspect' && target.status === 'received') {
        const lines = body.lines ?? [];
        const refundCents = lines.reduce(
          (sum, line) =>
            sum +
            line.quantity *
              (entry.order.items.find((i) => i.productId === line.productId)?.unitPriceCents ?? 0),
          0,
        );
        changed = { ...target, status: 'inspected', lines, refundCents };
      } else {
        return problem(409, 'Conflict', `A ${target.status} return cannot be ${params.step}d now.`);
      }
      const returns = entry.order.returns!.map((r) => (r === target ? changed : r));
      return HttpResponse.json(updateReturns(entry.order.id, returns));
    }),
    http.post('*/api/orders/:id/ship', ({ request, params }) => {
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      const entry = orders.get(String(params.id));
      if (!entry) return problem(404, 'Not Found');
      if (entry.order.status !== 'confirmed') return problem(409, 'Conflict', 'Only confirmed orders ship.');
      return HttpResponse.json(setStatus(entry.order.id, 'shipped'));
    }),
  ];

  return {
    handlers,
    products,
    orders,
    requests,
    levelOf,
    /** Sets a product's stock on hand (a delivery, a sale elsewhere). */
    setStock(productId: string, onHand: number) {
      const current = stock.get(productId) ?? {
        onHand: 0,
        reserved: 0,
        lowStockThreshold: options.lowStockThreshold ?? 3,
      };
      stock.set(productId, { ...current, onHand });
    },
    /** Moves an order on, as the saga would, and tells its event streams. */
    setStatus,
    /** Changes an order's returns (a refund arrived), and tells its event streams. */
    updateReturns,
    /** How many streams follow an order right now. */
    watching: (id: string) => watchers.get(id)?.size ?? 0,
    /** Places an order directly (for pages that start from an existing order). */
    /** Whether this browser holds the order's cookie. */
    hasCookie: (id: string) => cookies.has(id),
    seedOrder(order: Order, token = `token-${order.id}`) {
      orders.set(order.id, { order, token, body: '' });
      return token;
    },
  };
}

export type FakeShop = ReturnType<typeof createFakeShop>;
