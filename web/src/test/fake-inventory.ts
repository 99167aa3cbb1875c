/**
 * @module An in-memory inventory across locations behind msw handlers, following the API of issue
 * 14 (docs/api.md): locations, stock per (product, location) with in-transit, adjustments,
 * movements, transfers and the CSV import. It answers before the fake shop's inventory routes.
 */
import { HttpResponse, http, type PathParams } from 'msw';
import type {
  ImportResult,
  Location,
  LocationStock,
  Movement,
  MovementReason,
  NewTransfer,
  ReceiveTransfer,
  ReorderEntry,
  StockCount,
  StockLevel,
  Transfer,
} from '../lib/api.ts';
import type { createFakeSession } from './fake-session.ts';
import { page, problem } from './fake-shop.ts';

export interface FakeInventoryOptions {
  locations?: Array<Partial<Location> & Pick<Location, 'id' | 'name'>>;
  /** onHand per product id, per location id. */
  stock?: Record<string, Record<string, number>>;
  /** reserved per product id, per location id. */
  reserved?: Record<string, Record<string, number>>;
  /** in transit to a location, per product id, per location id. */
  inTransit?: Record<string, Record<string, number>>;
  lowStockThreshold?: number;
  movements?: Movement[];
  transfers?: Transfer[];
}

const START = Date.parse('2026-11-27T10:00:00.000Z');

export function createFakeInventory(
  options: FakeInventoryOptions = {},
  session?: ReturnType<typeof createFakeSession>,
) {
  const locations = new Map<string, Location>(
    (options.locations ?? []).map((l, index) => [
      l.id,
      { priority: index + 1, active: true, ...l } satisfies Location,
    ]),
  );
  const cells = new Map<string, { onHand: number; reserved: number; inTransit: number }>();
  const key = (productId: string, locationId: string) => `${productId}|${locationId}`;
  const thresholds = new Map<string, number>();
  const products = new Set<string>();
  for (const [productId, perLocation] of Object.entries(options.stock ?? {})) {
    products.add(productId);
    for (const [locationId, onHand] of Object.entries(perLocation)) {
      const reserved = options.reserved?.[productId]?.[locationId] ?? 0;
      const inTransit = options.inTransit?.[productId]?.[locationId] ?? 0;
      cells.set(key(productId, locationId), { onHand, reserved, inTransit });
    }
  }
  const movements: Movement[] = [...(options.movements ?? [])];
  const transfers = new Map((options.transfers ?? []).map((t) => [t.id, { ...t }]));
  const imported = new Set<string>();
  const requests: Array<{ method: string; path: string; search: string; body?: unknown }> = [];
  let clock = START + 60 * 60_000;
  let nextId = 1;
  const now = () => {
    clock += 60_000;
    return new Date(clock).toISOString();
  };

  // Staff calls carry web's session cookie, which the fake session stands for.
  const isAdmin = (_request: Request) => session?.allows() ?? false;
  const cell = (productId: string, locationId: string) => {
    const found = cells.get(key(productId, locationId));
    if (found) return found;
    const created = { onHand: 0, reserved: 0, inTransit: 0 };
    cells.set(key(productId, locationId), created);
    products.add(productId);
    return created;
  };
  const threshold = (productId: string) => thresholds.get(productId) ?? options.lowStockThreshold ?? 3;

  function levelOf(productId: string): StockLevel {
    const split: LocationStock[] = [...locations.keys()].flatMap((locationId) => {
      const c = cells.get(key(productId, locationId));
      const available = c ? c.onHand - c.reserved : 0;
      return c ? [{ locationId, ...c, available, low: available <= threshold(productId) }] : [];
    });
    const sum = (field: 'onHand' | 'reserved' | 'inTransit') =>
      split.reduce((total, l) => total + l[field], 0);
    const available = sum('onHand') - sum('reserved');
    return {
      productId,
      onHand: sum('onHand'),
      reserved: sum('reserved'),
      available,
      inTransit: sum('inTransit'),
      lowStockThreshold: threshold(productId),
      low: available <= threshold(productId),
      updatedAt: new Date(clock).toISOString(),
      locations: split,
    };
  }

  function move(
    productId: string,
    locationId: string,
    delta: number,
    reason: MovementReason,
    reference?: string,
    note?: string,
  ) {
    const c = cell(productId, locationId);
    const before = c.onHand;
    c.onHand += delta;
    movements.push({
      id: `m-${nextId++}`,
      productId,
      locationId,
      delta,
      reason,
      before,
      after: c.onHand,
      actor: reference ? { system: 'inventory' } : { subject: 'maya', name: 'Maya Manager' },
      at: now(),
      ...(reference ? { reference } : {}),
      ...(note ? { note } : {}),
    });
  }

  async function record(request: Request) {
    const url = new URL(request.url);
    const type = request.headers.get('content-type') ?? '';
    const body =
      request.method === 'GET'
        ? undefined
        : type.includes('json')
          ? await request
              .clone()
              .json()
              .catch(() => undefined)
          : await request.clone().text();
    requests.push({ method: request.method, path: url.pathname, search: url.search, body });
  }

  type Params = { id: string; productId: string };
  const admin =
    (handler: (args: { request: Request; params: Params }) => Response | Promise<Response>) =>
    async ({ request, params }: { request: Request; params: PathParams }) => {
      await record(request);
      if (!isAdmin(request)) return problem(401, 'Unauthorized');
      return handler({ request, params: params as unknown as Params });
    };

  const transferAction = (id: string, from: Transfer['state'][], to: Transfer['state']) => {
    const transfer = transfers.get(id);
    if (!transfer) return { error: problem(404, 'Not Found', 'No such transfer.') };
    if (!from.includes(transfer.state)) {
      return { error: problem(409, 'Conflict', `A ${transfer.state} transfer cannot be ${to}.`) };
    }
    return { transfer };
  };
  const moveOn = (transfer: Transfer, state: Transfer['state']) => {
    const at = now();
    Object.assign(transfer, {
      state,
      updatedAt: at,
      history: [...transfer.history, { state, at, actor: { subject: 'maya', name: 'Maya Manager' } }],
    });
  };

  /** Rows of `productId,locationId,counted`: each sets a count (the difference is a movement). */
  function readImport(csv: string): Pick<ImportResult, 'rows' | 'errors'> {
    const result: Pick<ImportResult, 'rows' | 'errors'> = { rows: [], errors: [] };
    const lines = csv.split(/\r?\n/);
    if (lines[0]?.trim() !== 'productId,locationId,counted') {
      result.errors.push({ line: 1, message: 'The header must be productId,locationId,counted.' });
      return result;
    }
    lines.slice(1).forEach((text, index) => {
      const line = index + 2;
      if (!text.trim()) return;
      const [productId, locationField, counted] = text.split(',').map((field) => field.trim());
      const locationId = locationField || 'default';
      if (!productId) result.errors.push({ line, message: 'productId is missing.' });
      else if (!locations.has(locationId))
        result.errors.push({ line, message: `Unknown location "${locationId}".` });
      else if (!/^\d+$/.test(counted ?? ''))
        result.errors.push({
          line,
          message: `counted must be a whole number, 0 or more (got "${counted ?? ''}").`,
        });
      else {
        const before = cells.get(key(productId, locationId))?.onHand ?? 0;
        const after = Number(counted);
        result.rows.push({ line, productId, locationId, before, after, delta: after - before });
      }
    });
    return result;
  }

  const handlers = [
    http.get(
      '*/api/inventory/locations',
      admin(() =>
        HttpResponse.json({
          items: [...locations.values()].sort((a, b) => a.priority - b.priority),
          nextCursor: null,
        }),
      ),
    ),
    http.post(
      '*/api/inventory/locations',
      admin(async ({ request }) => {
        const body = (await request.json()) as Partial<Location>;
        const errors = [];
        if (!body.id?.trim()) errors.push({ path: 'id', message: 'Required' });
        if (!body.name?.trim()) errors.push({ path: 'name', message: 'Required' });
        if (body.priority !== undefined && (!Number.isInteger(body.priority) || body.priority < 0))
          errors.push({ path: 'priority', message: 'Must be a whole number, 0 or more' });
        if (errors.length) return problem(400, 'Bad Request', 'The location is not valid.', { errors });
        if (locations.has(body.id!)) return problem(409, 'Conflict', `A location "${body.id}" exists.`);
        const created: Location = {
          id: body.id!,
          name: body.name!.trim(),
          priority: body.priority ?? 100,
          active: body.active ?? true,
        };
        locations.set(created.id, created);
        return HttpResponse.json(created, { status: 201 });
      }),
    ),
    http.patch(
      '*/api/inventory/locations/:id',
      admin(async ({ request, params }) => {
        const existing = locations.get(params.id);
        if (!existing) return problem(404, 'Not Found');
        const changes = (await request.json()) as Partial<Location>;
        if (changes.name !== undefined && !changes.name.trim()) {
          return problem(400, 'Bad Request', 'invalid', { errors: [{ path: 'name', message: 'Required' }] });
        }
        const updated = { ...existing, ...changes, id: existing.id };
        locations.set(existing.id, updated);
        return HttpResponse.json(updated);
      }),
    ),
    http.get(
      '*/api/inventory/stock',
      admin(({ request }) => {
        const url = new URL(request.url);
        const levels = [...products]
          .map(levelOf)
          .filter((level) => url.searchParams.get('low') !== 'true' || level.low);
        return HttpResponse.json(page(levels, url, 50));
      }),
    ),
    http.get(
      '*/api/inventory/stock/:productId',
      admin(({ params }) => HttpResponse.json(levelOf(params.productId))),
    ),
    http.post(
      '*/api/inventory/stock/:productId/adjustments',
      admin(async ({ request, params }) => {
        const { delta, reason, locationId, kind } = (await request.json()) as {
          delta: number;
          reason: string;
          locationId?: string;
          kind?: MovementReason;
        };
        const at = locationId ?? 'default';
        if (!locations.has(at)) return problem(404, 'Not Found', `No location "${at}".`);
        const c = cell(params.productId, at);
        if (c.onHand + delta < c.reserved) {
          return problem(409, 'Conflict', `onHand cannot drop below the ${c.reserved} reserved.`);
        }
        move(params.productId, at, delta, kind ?? 'adjusted', undefined, reason);
        return HttpResponse.json(levelOf(params.productId));
      }),
    ),
    http.post(
      '*/api/inventory/stock/:productId/counts',
      admin(async ({ request, params }) => {
        const { counted, locationId, note } = (await request.json()) as StockCount;
        const at = locationId ?? 'default';
        const c = cell(params.productId, at);
        if (counted < c.reserved) {
          return problem(409, 'Conflict', `${c.reserved} are reserved at ${at}: the count cannot be lower.`);
        }
        if (counted !== c.onHand) move(params.productId, at, counted - c.onHand, 'counted', undefined, note);
        return HttpResponse.json(levelOf(params.productId));
      }),
    ),
    http.get(
      '*/api/inventory/reorder',
      admin(() => {
        const items: ReorderEntry[] = [...products].map(levelOf).flatMap((level) =>
          level.available + level.inTransit <= level.lowStockThreshold
            ? [
                {
                  productId: level.productId,
                  available: level.available,
                  inTransit: level.inTransit,
                  lowStockThreshold: level.lowStockThreshold,
                  suggested: level.lowStockThreshold + 1 - level.available - level.inTransit,
                  lowAt: level.locations.filter((l) => l.low).map((l) => l.locationId),
                },
              ]
            : [],
        );
        return HttpResponse.json({ items, nextCursor: null });
      }),
    ),
    http.get(
      '*/api/inventory/movements',
      admin(({ request }) => {
        const url = new URL(request.url);
        const productId = url.searchParams.get('productId');
        const locationId = url.searchParams.get('locationId');
        const list = movements
          .filter(
            (m) => (!productId || m.productId === productId) && (!locationId || m.locationId === locationId),
          )
          .slice()
          .reverse();
        return HttpResponse.json(page(list, url, 50));
      }),
    ),
    http.get(
      '*/api/inventory/transfers',
      admin(({ request }) => {
        const url = new URL(request.url);
        const state = url.searchParams.get('state');
        const list = [...transfers.values()].filter((t) => !state || t.state === state).reverse();
        return HttpResponse.json(page(list, url, 50));
      }),
    ),
    http.post(
      '*/api/inventory/transfers',
      admin(async ({ request }) => {
        const body = (await request.json()) as NewTransfer;
        if (body.from === body.to) {
          return problem(400, 'Bad Request', 'invalid', {
            errors: [{ path: 'to', message: 'must differ from from' }],
          });
        }
        const at = now();
        const created: Transfer = {
          id: `t-${nextId++}`,
          from: body.from,
          to: body.to,
          lines: body.lines,
          state: 'requested',
          discrepancies: [],
          history: [{ state: 'requested', at, actor: { subject: 'maya', name: 'Maya Manager' } }],
          createdAt: at,
          updatedAt: at,
        };
        transfers.set(created.id, created);
        return HttpResponse.json(created, { status: 201 });
      }),
    ),
    http.post(
      '*/api/inventory/transfers/:id/dispatch',
      admin(({ params }) => {
        const { transfer, error } = transferAction(params.id, ['requested'], 'dispatched');
        if (error) return error;
        for (const line of transfer.lines) {
          const source = cell(line.productId, transfer.from);
          if (line.quantity > source.onHand - source.reserved) {
            return problem(
              409,
              'Conflict',
              `Only ${source.onHand - source.reserved} available at ${transfer.from}.`,
            );
          }
        }
        for (const line of transfer.lines) {
          move(line.productId, transfer.from, -line.quantity, 'transfer', transfer.id);
          cell(line.productId, transfer.to).inTransit += line.quantity;
        }
        moveOn(transfer, 'dispatched');
        return HttpResponse.json(transfer);
      }),
    ),
    http.post(
      '*/api/inventory/transfers/:id/receive',
      admin(async ({ request, params }) => {
        const body = (await request.json()) as ReceiveTransfer;
        const { transfer, error } = transferAction(params.id, ['dispatched'], 'received');
        if (error) return error;
        const received = transfer.lines.map((line) => ({
          productId: line.productId,
          quantity: body.lines?.find((r) => r.productId === line.productId)?.quantity ?? line.quantity,
        }));
        const discrepancies = transfer.lines.flatMap((line, i) =>
          received[i]!.quantity === line.quantity
            ? []
            : [
                {
                  productId: line.productId,
                  dispatched: line.quantity,
                  received: received[i]!.quantity,
                  reason: body.reason ?? '',
                },
              ],
        );
        if (discrepancies.length && !body.reason?.trim()) {
          return problem(400, 'Bad Request', 'A different quantity needs a reason.', {
            errors: [{ path: 'reason', message: 'Required when a quantity differs' }],
          });
        }
        transfer.lines.forEach((line, i) => {
          move(line.productId, transfer.to, received[i]!.quantity, 'transfer', transfer.id, body.reason);
          cell(line.productId, transfer.to).inTransit -= line.quantity;
        });
        Object.assign(transfer, { received, discrepancies });
        moveOn(transfer, 'received');
        return HttpResponse.json(transfer);
      }),
    ),
    http.post(
      '*/api/inventory/transfers/:id/cancel',
      admin(({ params }) => {
        const { transfer, error } = transferAction(params.id, ['requested'], 'cancelled');
        if (error) return error;
        moveOn(transfer, 'cancelled');
        return HttpResponse.json(transfer);
      }),
    ),
    http.post(
      '*/api/inventory/imports',
      admin(async ({ request }) => {
        if (!request.headers.get('content-type')?.startsWith('text/csv')) {
          return problem(415, 'Unsupported Media Type', 'Send the file as text/csv.');
        }
        const csv = await request.text();
        const dryRun = new URL(request.url).searchParams.get('dryRun') !== 'false';
        const { rows, errors } = readImport(csv);
        const fileHash = `sha-${csv.length}-${rows.length}`;
        const alreadyApplied = imported.has(fileHash);
        const applying = !dryRun && !errors.length && !alreadyApplied;
        if (applying) {
          imported.add(fileHash);
          for (const row of rows) {
            if (row.delta) move(row.productId, row.locationId, row.delta, 'counted', `import:${fileHash}`);
          }
        }
        const result: ImportResult = { fileHash, dryRun, applied: applying, alreadyApplied, rows, errors };
        return HttpResponse.json(result);
      }),
    ),
  ];

  return {
    handlers,
    locations,
    movements,
    transfers,
    requests,
    levelOf,
    cellOf: (productId: string, locationId: string) => ({ ...cell(productId, locationId) }),
    /** A change made elsewhere (an order, another manager), as a movement. */
    move,
    setThreshold: (productId: string, value: number) => thresholds.set(productId, value),
  };
}

export type FakeInventory = ReturnType<typeof createFakeInventory>;
